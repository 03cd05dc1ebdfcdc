// The kernel's side of the dataplane's ports: each port's exception TAP (created by the
// library) gets the port's addresses and is brought up, the file's routes on those ports go
// into the kernel too (so charon's IKE and the dataplane take the same way), and from then on
// the kernel is the source of neighbours and routes: a ForwardingMirror copies them into the
// dataplane. Next hops the dataplane dropped packets for (no_neighbor) are polled from the
// library and handed to the kernel to resolve (ARP/ND over the TAP); the mirror then pushes
// the MAC it learned.
//
// Interface configuration uses `ip` (execFile): operator/rtnl has no address or link-set
// requests, and this runs once per start.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ForwardingControl, NeighborEntry } from '../dataplane/control.js';
import type { UnresolvedNexthop } from '../dataplane/binding.js';
import type { DpPort, DpRoute } from '../dataplane/types.js';
import type { Logger } from '../log/index.js';
import { ForwardingMirror } from './forwarding-mirror.js';
import { nextHopOf } from './next-hop.js';

const run = promisify(execFile);

/** A port as the exception path needs it; `mtu` is applied to the TAP when the port has one. */
export type ExceptionPort = DpPort & { mtu?: number };

export interface ExceptionPathOptions {
	/** the dataplane: its forwarding tables and the next hops it could not resolve */
	dataplane: ForwardingControl & { unresolved(): UnresolvedNexthop[] };
	ports: readonly ExceptionPort[];
	/** the ports file's routes and neighbours: routes on exception ports are put into the kernel,
	 * neighbours are used where the kernel has no MAC */
	routes?: readonly DpRoute[];
	neighbors?: readonly NeighborEntry[];
	log: Logger;
	/** how often unresolved next hops are collected; default 50 ms */
	pollMs?: number;
	/** a next hop is handed to the kernel at most this often; default 1000 ms */
	reaskMs?: number;
	/** full resync period of the mirror (ForwardingMirror's resyncMs) */
	resyncMs?: number;
	/** outer destinations the dataplane is about to send to (outbound SAs' peers): their next
	 * hops are resolved before the first packet, not after it was dropped */
	destinations?: () => readonly string[];
}

export interface ExceptionPathStats {
	/** next hops handed to the kernel to resolve */
	resolveRequests: number;
	resolveFailures: number;
}

export interface ExceptionPath {
	mirror: ForwardingMirror;
	/** exception interface => port name */
	interfaces: Readonly<Record<string, string>>;
	stats: ExceptionPathStats;
	/** {ports and routes in effect, the ones wanted now} => the TAPs' addresses and routes
	 * changed to match (tapChanges); throws with ip's message when a line failed */
	reconfigure(before: { ports: readonly ExceptionPort[]; routes: readonly DpRoute[] }, after: { ports: readonly ExceptionPort[]; routes: readonly DpRoute[] }): Promise<void>;
	stop(): void;
}

/** {ports} => the `ip -b` lines that give each exception TAP its port's addresses, MTU and link */
export function tapCommands(ports: readonly ExceptionPort[], routes: readonly DpRoute[] = []): string[] {
	const lines: string[] = [];
	const tapOf = new Map(ports.filter(p => p.exception).map(p => [p.name, p.exception!]));
	for (const p of ports) {
		if (!p.exception) continue;
		for (const a of p.addresses ?? []) lines.push(`addr replace ${a} dev ${p.exception}`);
		lines.push(`link set dev ${p.exception}${p.mtu ? ` mtu ${p.mtu}` : ''} up`);
	}
	for (const r of routes) {
		const tap = tapOf.get(r.port);
		if (tap) lines.push(`route replace ${routeArgs(r, tap)}`);
	}
	return lines;
}

/** {route, its TAP} => the route as `ip route` takes it */
const routeArgs = (r: DpRoute, tap: string): string => `${r.dst}${r.via ? ` via ${r.via}` : ''} dev ${tap}`;

/**
 * {ports and routes in effect, the ones wanted now} => the `ip -b` lines that take each
 * exception TAP from the one to the other: addresses gone are deleted, new ones added, routes
 * of TAP ports that went away deleted and new ones replaced; all of a TAP's routes are
 * replaced when its addresses changed (the kernel drops routes through a gateway that an
 * address it lost made unreachable). Deletions come first. Ports are the same in both (a
 * node's annotations change addresses and routes, never which VF a port is).
 */
export function tapChanges(before: { ports: readonly ExceptionPort[]; routes: readonly DpRoute[] }, after: { ports: readonly ExceptionPort[]; routes: readonly DpRoute[] }): string[] {
	const dels: string[] = [];
	const adds: string[] = [];
	const tapOf = new Map(after.ports.filter(p => p.exception).map(p => [p.name, p.exception!]));
	const readdressed = new Set<string>();
	for (const p of after.ports) {
		if (!p.exception) continue;
		const had = before.ports.find(q => q.name === p.name)?.addresses ?? [];
		const want = p.addresses ?? [];
		for (const a of had) if (!want.includes(a)) dels.push(`addr del ${a} dev ${p.exception}`);
		for (const a of want) if (!had.includes(a)) adds.push(`addr replace ${a} dev ${p.exception}`);
		if (had.some(a => !want.includes(a)) || want.some(a => !had.includes(a))) readdressed.add(p.name);
	}
	const key = (r: DpRoute) => `${r.port}|${r.dst}|${r.via ?? ''}`;
	const wanted = new Set(after.routes.map(key));
	const had = new Set(before.routes.map(key));
	for (const r of before.routes) {
		const tap = tapOf.get(r.port);
		if (tap && !wanted.has(key(r))) dels.push(`route del ${routeArgs(r, tap)}`);
	}
	for (const r of after.routes) {
		const tap = tapOf.get(r.port);
		if (tap && (!had.has(key(r)) || readdressed.has(r.port))) adds.push(`route replace ${routeArgs(r, tap)}`);
	}
	return [...dels, ...adds];
}

/**
 * {ports} => IPv6 off on the TAPs of ports without an IPv6 address. Their kernel side would
 * otherwise add fe80::/64 routes, the mirror would copy them, and the dataplane would need an
 * IPv6 LPM table (64 MiB each, two during a replace) for routes it never uses.
 */
function ipv6OffWhereUnused(ports: readonly ExceptionPort[]): void {
	for (const p of ports) {
		if (!p.exception) continue;
		try {
			// on again for a port that got an IPv6 address since (a node's annotation changed)
			writeFileSync(`/proc/sys/net/ipv6/conf/${p.exception}/disable_ipv6`, (p.addresses ?? []).some(a => a.includes(':')) ? '0' : '1');
		} catch {
			// a kernel without IPv6 has nothing to turn off
		}
	}
}

/** {lines, force: go on past a failing line} => run by one `ip -b -`; throws with ip's
 * message when one fails */
async function ipBatch(lines: readonly string[], force = false): Promise<void> {
	if (lines.length === 0) return;
	const child = run('ip', [...(force ? ['-force'] : []), '-b', '-']);
	child.child.stdin?.end(lines.join('\n') + '\n');
	await child;
}

export async function startExceptionPath(o: ExceptionPathOptions): Promise<ExceptionPath> {
	const interfaces: Record<string, string> = {};
	for (const p of o.ports) if (p.exception) interfaces[p.exception] = p.name;
	ipv6OffWhereUnused(o.ports);
	await ipBatch(tapCommands(o.ports, o.routes));
	const log = o.log.child({ part: 'exception-path' });
	const mirror = new ForwardingMirror({
		control: o.dataplane, interfaces, logger: log,
		fallbackNeighbors: (o.neighbors ?? []).filter(n => Object.values(interfaces).includes(n.port)),
		...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
	});
	await mirror.start();

	const stats: ExceptionPathStats = { resolveRequests: 0, resolveFailures: 0 };
	const mirrored = new Set(Object.values(interfaces));
	const reaskMs = o.reaskMs ?? 1000;
	const asked = new Map<string, number>();
	let primedAt = 0;
	const wanted = (): UnresolvedNexthop[] => {
		const now = Date.now();
		if (!o.destinations || now - primedAt < reaskMs) return [];
		primedAt = now;
		const routes = o.dataplane.listRoutes();
		const known = new Set(o.dataplane.listNeighbors().filter(n => n.mac).map(n => `${n.port}|${n.ip}`));
		return o.destinations().map(d => nextHopOf(d, routes)).filter((h): h is UnresolvedNexthop => h !== undefined && !known.has(`${h.port}|${h.ip}`));
	};
	const poll = setInterval(() => {
		const now = Date.now();
		let want: UnresolvedNexthop[];
		try {
			want = [...o.dataplane.unresolved(), ...wanted()];
		} catch {
			return; // a dataplane host that is gone: the agent reports that once, elsewhere
		}
		for (const h of want) {
			const key = `${h.port}|${h.ip}`;
			if (!mirrored.has(h.port) || now - (asked.get(key) ?? -Infinity) < reaskMs) continue;
			asked.set(key, now);
			stats.resolveRequests++;
			mirror.resolve(h.ip, h.port).catch((err: unknown) => {
				stats.resolveFailures++;
				log.warn({ err, ip: h.ip, port: h.port }, 'next hop resolution request failed');
			});
		}
		// forget old asks so the map stays as small as the set of next hops in use
		for (const [k, at] of asked) if (now - at > 10 * reaskMs) asked.delete(k);
	}, o.pollMs ?? 50);
	poll.unref();
	log.info({ interfaces }, 'exception path up');
	return {
		mirror, interfaces, stats,
		reconfigure: async (before, after) => {
			ipv6OffWhereUnused(after.ports);
			// every line is tried; a deletion of what is gone already (the kernel drops a
			// route with the address its gateway was reached by) is no failure. The mirror
			// hears the kernel's route changes and copies them as always.
			const lines = tapChanges(before, after);
			await ipBatch(lines.filter(l => / del /.test(l)), true).catch(() => undefined);
			await ipBatch(lines.filter(l => !/ del /.test(l)), true);
		},
		stop: () => {
			clearInterval(poll);
			mirror.stop();
		},
	};
}
