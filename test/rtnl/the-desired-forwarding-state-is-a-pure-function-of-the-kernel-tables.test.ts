import test from 'ava';
import { desiredNeighbors, desiredRoutes, diffNeighbors, gatewaysToResolve, mergeRoutes, portsByIfindex } from '../../operator/agent/forwarding-desired.js';
import type { Neighbor } from '../../operator/rtnl/codec/neigh.js';
import type { Route } from '../../operator/rtnl/codec/route.js';

const ports = portsByIfindex(
	[
		{ family: 0, type: 1, index: 1, flags: 0, change: 0, name: 'lo' },
		{ family: 0, type: 1, index: 5, flags: 0, change: 0, name: 'esp-wan0' },
		{ family: 0, type: 1, index: 6, flags: 0, change: 0, name: 'esp-wan1' },
		{ family: 0, type: 1, index: 7, flags: 0, change: 0, name: 'eth0' },
	],
	{ 'esp-wan0': 'wan', 'esp-wan1': 'wan2', 'esp-absent': 'wan3' },
);

test('interfaces map to ports by name, and only the ones that exist', (t) => {
	t.deepEqual([...ports], [[5, 'wan'], [6, 'wan2']]);
});

const nb = (over: Partial<Neighbor>): Neighbor => ({ family: 2, ifindex: 5, state: 0x02, flags: 0, type: 1, dst: '192.0.2.2', lladdr: '02:00:00:00:00:02', ...over });

// [what, kernel neighbour, expected dataplane entry or null]
const neighborCases: [string, Neighbor, object | null][] = [
	['REACHABLE with a MAC', nb({}), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['STALE', nb({ state: 0x04 }), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['DELAY', nb({ state: 0x08 }), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['PROBE', nb({ state: 0x10 }), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['PERMANENT', nb({ state: 0x80 }), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['NOARP', nb({ state: 0x40 }), { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	['INCOMPLETE: unresolved', nb({ state: 0x01, lladdr: undefined as never }), { ip: '192.0.2.2', port: 'wan' }],
	['FAILED: unresolved', nb({ state: 0x20 }), { ip: '192.0.2.2', port: 'wan' }],
	['NONE: not a next hop yet', nb({ state: 0x00 }), null],
	['IPv6 on the second port', nb({ family: 10, ifindex: 6, dst: '2001:db8::2' }), { ip: '2001:db8::2', mac: '02:00:00:00:00:02', port: 'wan2' }],
	['another interface', nb({ ifindex: 7 }), null],
	['a proxy entry', nb({ flags: 0x08 }), null],
	['a multicast entry', nb({ type: 5, state: 0x40 }), null],
	['a bridge fdb entry', nb({ family: 7 }), null],
	['a MAC that is not Ethernet', nb({ lladdr: '0a:00:00:01' }), null],
];
for (const [what, n, expected] of neighborCases) {
	test(`a kernel neighbour becomes a dataplane neighbour or nothing: ${what}`, (t) => {
		t.deepEqual(desiredNeighbors([n], ports), expected ? [expected] : []);
	});
}

test('a configured neighbour is a fallback: used only where the kernel has no MAC, and only on mirrored ports', (t) => {
	const fallback = [
		{ ip: '192.0.2.2', mac: '02:00:00:00:ff:02', port: 'wan' }, // kernel has a MAC: kernel wins
		{ ip: '192.0.2.3', mac: '02:00:00:00:ff:03', port: 'wan' }, // kernel has it unresolved: fallback
		{ ip: '192.0.2.4', mac: '02:00:00:00:ff:04', port: 'wan' }, // kernel has nothing: fallback
		{ ip: '10.0.0.1', mac: '02:00:00:00:ff:05', port: 'lan' }, // not a mirrored port: not ours
	];
	t.deepEqual(desiredNeighbors([nb({}), nb({ dst: '192.0.2.3', state: 0x01, lladdr: undefined as never })], ports, fallback), [
		{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' },
		{ ip: '192.0.2.3', mac: '02:00:00:00:ff:03', port: 'wan' },
		{ ip: '192.0.2.4', mac: '02:00:00:00:ff:04', port: 'wan' },
	]);
});

const rt = (over: Partial<Route>): Route => ({ family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0, dst: '203.0.113.0', gateway: '192.0.2.2', oif: 5, ...over });

const routeCases: [string, Route[], object[]][] = [
	['a prefix via a gateway', [rt({})], [{ dst: '203.0.113.0/24', port: 'wan', via: '192.0.2.2' }]],
	['an IPv4 default route', [rt({ dstLen: 0, dst: undefined as never })], [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.2' }]],
	['an IPv6 default route', [rt({ family: 10, dstLen: 0, dst: undefined as never, gateway: 'fe80::1', oif: 6 })], [{ dst: '::/0', port: 'wan2', via: 'fe80::1' }]],
	['a connected route', [rt({ dst: '192.0.2.0', gateway: undefined as never, scope: 253 })], [{ dst: '192.0.2.0/24', port: 'wan' }]],
	['another table', [rt({ table: 100 })], []],
	['the local table', [rt({ table: 255, type: 2 })], []],
	['an unreachable route', [rt({ type: 7 })], []],
	['another interface', [rt({ oif: 7 })], []],
	['a multipath route (no RTA_OIF)', [rt({ oif: undefined as never })], []],
	['a source-specific route', [rt({ family: 10, dst: '2001:db8::', dstLen: 32, srcLen: 48, gateway: undefined as never })], []],
	['the same prefix twice: the lowest metric wins', [rt({ priority: 20, gateway: '192.0.2.20' }), rt({ priority: 10, gateway: '192.0.2.10' }), rt({ priority: 30, oif: 6, gateway: '192.0.2.30' })], [{ dst: '203.0.113.0/24', port: 'wan', via: '192.0.2.10' }]],
];
for (const [what, kernel, expected] of routeCases) {
	test(`kernel routes become dataplane routes: ${what}`, (t) => {
		t.deepEqual(desiredRoutes(kernel, ports), expected);
	});
}

test('the neighbour diff puts what is missing or changed, deletes what is gone, and leaves other ports alone', (t) => {
	const mirrored = new Set(['wan']);
	const current = [
		{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }, // unchanged
		{ ip: '192.0.2.3', mac: '02:00:00:00:00:03', port: 'wan' }, // MAC changes
		{ ip: '192.0.2.4', port: 'wan' }, // gets resolved
		{ ip: '192.0.2.5', mac: '02:00:00:00:00:05', port: 'wan' }, // gone from the kernel
		{ ip: '10.0.0.1', mac: '02:00:00:00:00:99', port: 'lan' }, // not ours
	];
	const desired = [
		{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' },
		{ ip: '192.0.2.3', mac: '02:00:00:00:03:03', port: 'wan' },
		{ ip: '192.0.2.4', mac: '02:00:00:00:00:04', port: 'wan' },
		{ ip: '192.0.2.6', port: 'wan' }, // new, unresolved
	];
	t.deepEqual(diffNeighbors(current, desired, mirrored), {
		put: [desired[1], desired[2], desired[3]],
		del: [{ ip: '192.0.2.5', port: 'wan' }],
	});
	t.deepEqual(diffNeighbors(desired, desired, mirrored), { put: [], del: [] });
});

test('addresses compare in one spelling: a dataplane that prints IPv6 differently causes no churn', (t) => {
	const mirrored = new Set(['wan']);
	const current = [{ ip: '2001:DB8:0:0:0:0:0:2', mac: '02:00:00:00:00:02', port: 'wan' }];
	const desired = [{ ip: '2001:db8::2', mac: '02:00:00:00:00:02', port: 'wan' }];
	t.deepEqual(diffNeighbors(current, desired, mirrored), { put: [], del: [] });
	t.is(mergeRoutes([{ dst: '2001:DB8:0::/32', port: 'wan', via: 'FE80::1' }], [{ dst: '2001:db8::/32', port: 'wan', via: 'fe80::1' }], mirrored), null);
});

test('the route merge replaces only the mirrored ports routes, and answers null when nothing changed', (t) => {
	const mirrored = new Set(['wan']);
	const lan = { dst: '10.1.0.0/24', port: 'lan' };
	const wan = [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }];
	t.deepEqual(mergeRoutes([lan, { dst: '198.51.100.0/24', port: 'wan' }], wan, mirrored), [lan, ...wan]);
	t.is(mergeRoutes([...wan, lan], wan, mirrored), null);
	t.deepEqual(mergeRoutes([lan, ...wan], [], mirrored), [lan]);
});

// [what, kernel state of the gateway 192.0.2.2 on esp-wan0 (undefined: no entry), resolve on a normal reconcile, on a periodic refresh]
const gatewayCases: [string, number | undefined, boolean, boolean][] = [
	['no entry: resolve at once', undefined, true, true],
	['NONE', 0x00, true, true],
	['INCOMPLETE: already resolving', 0x01, false, false],
	['REACHABLE', 0x02, false, false],
	['STALE: re-validated on refresh', 0x04, false, true],
	['DELAY', 0x08, false, false],
	['PROBE', 0x10, false, false],
	['FAILED: retried on refresh', 0x20, false, true],
	['PERMANENT', 0x80, false, false],
];
for (const [what, state, normal, refresh] of gatewayCases) {
	test(`a route gateway is resolved when due: ${what}`, (t) => {
		const kernel = state === undefined ? [] : [nb({ state })];
		const routes = [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.2' }, { dst: '10.0.0.0/8', port: 'wan', via: '192.0.2.2' }, { dst: '192.0.2.0/24', port: 'wan' }];
		const expected = [{ ip: '192.0.2.2', port: 'wan', ifindex: 5 }];
		t.deepEqual(gatewaysToResolve(kernel, routes, [], ports, false), normal ? expected : []);
		t.deepEqual(gatewaysToResolve(kernel, routes, [], ports, true), refresh ? expected : []);
		// a next hop the dataplane asked for (no route via it): kept fresh on refresh only
		const wanted = [{ ip: '192.0.2.2', port: 'wan' }];
		t.deepEqual(gatewaysToResolve(kernel, [], wanted, ports, false), []);
		t.deepEqual(gatewaysToResolve(kernel, [], wanted, ports, true), refresh ? expected : []);
	});
}

test('next hops on ports that are not mirrored, or whose interface is missing, are never resolved', (t) => {
	t.deepEqual(gatewaysToResolve([], [{ dst: '0.0.0.0/0', port: 'lan', via: '10.0.0.1' }, { dst: '0.0.0.0/0', port: 'wan3', via: '10.0.0.2' }], [{ ip: '10.0.0.3', port: 'lan' }], ports, true), []);
});
