import test from 'ava';
import { bytesToIp, ipToBytes } from '../../operator/rtnl/codec/address.js';
import { RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE } from '../../operator/rtnl/codec/constants.js';
import { decodeLink, encodeLink } from '../../operator/rtnl/codec/link.js';
import type { Link } from '../../operator/rtnl/codec/link.js';
import { decodeNeighbor, encodeNeighbor } from '../../operator/rtnl/codec/neigh.js';
import type { Neighbor } from '../../operator/rtnl/codec/neigh.js';
import { splitMessages } from '../../operator/rtnl/codec/netlink.js';
import type { NlMessage } from '../../operator/rtnl/codec/netlink.js';
import { decodeRoute, encodeRoute } from '../../operator/rtnl/codec/route.js';
import type { Route } from '../../operator/rtnl/codec/route.js';
import { decodeEvent } from '../../operator/rtnl/events.js';
import { capturedMessages } from './fixtures.js';

const h = (type: number) => ({ type, flags: 0x600, seq: 42, pid: 7 });
const one = (b: Buffer): NlMessage => {
	const [m, ...rest] = splitMessages(b);
	if (!m || rest.length) throw new Error('expected one message');
	return m;
};

const neighbors: Neighbor[] = [
	{ family: 2, ifindex: 3, state: 0x80, flags: 0, type: 1, dst: '192.0.2.7', lladdr: '02:00:00:00:00:07' },
	{ family: 10, ifindex: 3, state: 0x04, flags: 0x80, type: 1, dst: '2001:db8::7', lladdr: '02:00:00:00:06:07' },
	{ family: 2, ifindex: 9, state: 0x01, flags: 0, type: 1, dst: '198.51.100.250' },
	{ family: 10, ifindex: 1, state: 0x20, flags: 0, type: 1, dst: 'fe80::1:2:0:0:3' },
	{ family: 0, ifindex: 0, state: 0, flags: 0, type: 0 },
];
const routes: Route[] = [
	{ family: 2, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0, gateway: '192.0.2.254', oif: 2 },
	{ family: 2, dstLen: 24, srcLen: 0, tos: 0, table: 254, protocol: 2, scope: 253, type: 1, flags: 0, dst: '192.0.2.0', oif: 2 },
	{ family: 10, dstLen: 48, srcLen: 0, tos: 0, table: 1000, protocol: 4, scope: 0, type: 1, flags: 0, dst: '2001:db8:77::', gateway: 'fe80::1', oif: 5, priority: 1024 },
	{ family: 10, dstLen: 128, srcLen: 0, tos: 0, table: 255, protocol: 2, scope: 0, type: 2, flags: 0, dst: '::1', priority: 0, oif: 1 },
];
const links: Link[] = [
	{ family: 0, type: 1, index: 2, flags: 0x11043, change: 0, name: 'esp-wan0', address: '5e:eb:d3:f3:02:fc' },
	{ family: 0, type: 772, index: 1, flags: 0x10049, change: 0xffffffff, name: 'lo' },
];

for (const n of neighbors) {
	test(`a neighbour round-trips: ${n.dst ?? 'empty'} state ${n.state}`, (t) => {
		t.deepEqual(decodeNeighbor(one(encodeNeighbor(h(RTM_NEWNEIGH), n))), n);
	});
}
for (const r of routes) {
	test(`a route round-trips: ${r.dst ?? 'default'}/${r.dstLen} table ${r.table}`, (t) => {
		t.deepEqual(decodeRoute(one(encodeRoute(h(RTM_NEWROUTE), r))), r);
	});
}
for (const l of links) {
	test(`a link round-trips: ${l.name}`, (t) => {
		t.deepEqual(decodeLink(one(encodeLink(h(RTM_NEWLINK), l))), l);
	});
}

test('the header fields survive the round trip and nlmsg_len covers the padded attributes', (t) => {
	const b = encodeNeighbor({ type: RTM_NEWNEIGH, flags: 0x405, seq: 0xfffffffe, pid: 0x80000001 }, neighbors[1]!);
	t.is(b.readUInt32LE(0), b.length);
	t.is(b.length % 4, 0);
	const m = one(b);
	t.like(m, { type: RTM_NEWNEIGH, flags: 0x405, seq: 0xfffffffe, pid: 0x80000001 });
});

const addresses: [string, string][] = [
	['0.0.0.0', '0.0.0.0'],
	['255.255.255.255', '255.255.255.255'],
	['::', '::'],
	['::1', '::1'],
	['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first longest zero run is compressed
	['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not
	['fe80::', 'fe80::'],
];
for (const [input, canonical] of addresses) {
	test(`an address converts to bytes and back in RFC 5952 form: ${input}`, (t) => {
		const { family, bytes } = ipToBytes(input);
		t.is(bytesToIp('test', family, bytes), canonical);
	});
}

test('every captured kernel message decodes, and re-encoding what we decode gives the same value', (t) => {
	const captured = capturedMessages();
	t.true(captured.length >= 20);
	const kinds = new Set<string>();
	for (const c of captured) {
		const m = one(c.bytes);
		const e = decodeEvent(m);
		if (!e) return t.fail(`type ${c.type} not decoded`);
		kinds.add(`${e.kind}/${c.what}`);
		if (e.kind === 'neighbor') t.deepEqual(decodeNeighbor(one(encodeNeighbor(m, e.neighbor))), e.neighbor, c.what);
		if (e.kind === 'route') t.deepEqual(decodeRoute(one(encodeRoute(m, e.route))), e.route, c.what);
		if (e.kind === 'link') t.deepEqual(decodeLink(one(encodeLink(m, e.link))), e.link, c.what);
	}
	t.true(kinds.has('neighbor/neighbour dump') && kinds.has('route/route dump') && kinds.has('link/link dump') && kinds.has('neighbor/notification') && kinds.has('route/notification'), [...kinds].join(', '));
});
