// What the dataplane's neighbour and route tables should hold, as pure functions of what the
// kernel has on the exception interface(s), and the diff against what the dataplane holds.
// No I/O here: the mirror observes, calls these, and applies the result.
import type { NeighborEntry, RouteEntry } from '../dataplane/control.js';
import {
	AF_INET, AF_INET6, NTF_PROXY, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_NONE, NUD_PERMANENT, NUD_PROBE,
	NUD_REACHABLE, NUD_STALE, RTN_UNICAST, RT_TABLE_MAIN,
} from '../rtnl/codec/constants.js';
import { canonicalIp } from '../rtnl/codec/address.js';
import type { Link } from '../rtnl/codec/link.js';
import type { Neighbor } from '../rtnl/codec/neigh.js';
import type { Route } from '../rtnl/codec/route.js';

/** states in which the kernel's MAC is good to forward to */
const RESOLVED = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
/** states in which the next hop exists but has no usable MAC: the dataplane holds or drops */
const UNRESOLVED = NUD_INCOMPLETE | NUD_FAILED;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** {links, exception interface name => port} => ifindex => port, for the interfaces that exist */
export function portsByIfindex(links: readonly Link[], interfaces: Readonly<Record<string, string>>): Map<number, string> {
	const out = new Map<number, string>();
	for (const l of links) {
		if (l.name === undefined) continue;
		const port = interfaces[l.name];
		if (port !== undefined) out.set(l.index, port);
	}
	return out;
}

// keys compare addresses in one spelling, so a dataplane that prints "2001:DB8::1" does not churn
export const neighborKey = (n: Pick<NeighborEntry, 'ip' | 'port'>): string => `${n.port}|${canonicalIp(n.ip)}`;

/**
 * {kernel neighbours, ifindex => port, configured fallbacks} => the dataplane's neighbours on
 * the mirrored ports. A configured MAC is used only where the kernel has no usable one.
 */
export function desiredNeighbors(
	kernel: readonly Neighbor[],
	ports: ReadonlyMap<number, string>,
	fallback: readonly NeighborEntry[] = [],
): NeighborEntry[] {
	const out = new Map<string, NeighborEntry>();
	for (const n of kernel) {
		const port = ports.get(n.ifindex);
		if (port === undefined || n.dst === undefined) continue;
		if (n.family !== AF_INET && n.family !== AF_INET6) continue;
		if (n.type !== RTN_UNICAST || (n.flags & NTF_PROXY) !== 0) continue;
		if ((n.state & RESOLVED) !== 0 && n.lladdr !== undefined && MAC.test(n.lladdr)) {
			out.set(neighborKey({ ip: n.dst, port }), { ip: n.dst, mac: n.lladdr, port });
		} else if ((n.state & UNRESOLVED) !== 0) {
			out.set(neighborKey({ ip: n.dst, port }), { ip: n.dst, port });
		}
	}
	const mirrored = new Set(ports.values());
	for (const f of fallback) {
		if (!mirrored.has(f.port)) continue;
		const k = neighborKey(f);
		if (out.get(k)?.mac === undefined) out.set(k, { ...f });
	}
	return sortBy([...out.values()], neighborKey);
}

/**
 * {kernel routes, ifindex => port} => the dataplane's routes on the mirrored ports: unicast
 * routes of the main table, IPv4 and IPv6, default routes included. Where the kernel has the
 * same prefix several times (different metrics), the lowest metric wins, as in its lookup.
 * Multipath routes (RTA_MULTIPATH, no RTA_OIF) and source-specific routes are not mirrored.
 */
export function desiredRoutes(kernel: readonly Route[], ports: ReadonlyMap<number, string>): RouteEntry[] {
	const best = new Map<string, { entry: RouteEntry; metric: number }>();
	for (const r of kernel) {
		if (r.table !== RT_TABLE_MAIN || r.type !== RTN_UNICAST || r.srcLen !== 0 || r.oif === undefined) continue;
		if (r.family !== AF_INET && r.family !== AF_INET6) continue;
		const port = ports.get(r.oif);
		if (port === undefined) continue;
		const dst = `${r.dst ?? (r.family === AF_INET ? '0.0.0.0' : '::')}/${r.dstLen}`;
		const entry: RouteEntry = r.gateway !== undefined ? { dst, port, via: r.gateway } : { dst, port };
		const metric = r.priority ?? 0;
		const seen = best.get(dst);
		if (seen === undefined || metric < seen.metric) best.set(dst, { entry, metric });
	}
	return sortBy([...best.values()].map((b) => b.entry), routeKey);
}

/**
 * {kernel neighbours, desired routes, next hops the dataplane asked for, ifindex => port, is
 * this a periodic refresh} => the next hops the kernel should resolve. The kernel never sees
 * the dataplane's traffic, so its entry for a next hop is never "used": a route gateway it has
 * no entry for is resolved at once (the MAC is there before the first packet), and on each
 * periodic refresh a STALE entry of a gateway or of a next hop the dataplane asked for is
 * re-validated (a peer whose MAC changed is noticed) and a FAILED one retried.
 */
export function gatewaysToResolve(
	kernel: readonly Neighbor[],
	routes: readonly RouteEntry[],
	wanted: readonly Pick<NeighborEntry, 'ip' | 'port'>[],
	ports: ReadonlyMap<number, string>,
	refresh: boolean,
): { ip: string; port: string; ifindex: number }[] {
	const ifindexOf = new Map([...ports].map(([ifindex, port]) => [port, ifindex]));
	const state = new Map(kernel.map((n) => [`${n.ifindex}|${n.dst ?? ''}`, n.state]));
	const out = new Map<string, { ip: string; port: string; ifindex: number }>();
	const consider = (ip: string, port: string, missingIsDue: boolean): void => {
		const ifindex = ifindexOf.get(port);
		if (ifindex === undefined) return;
		const key = `${ifindex}|${canonicalIp(ip)}`;
		const s = state.get(key);
		const due = s === undefined || s === NUD_NONE ? missingIsDue || refresh : refresh && (s & (NUD_STALE | NUD_FAILED)) !== 0;
		if (due) out.set(key, { ip: canonicalIp(ip), port, ifindex });
	};
	for (const r of routes) if (r.via !== undefined) consider(r.via, r.port, true);
	for (const w of wanted) consider(w.ip, w.port, false);
	return [...out.values()];
}

const routeKey = (r: RouteEntry): string => {
	const [addr = '', len = ''] = r.dst.split('/');
	return `${canonicalIp(addr)}/${len}|${r.port}|${r.via === undefined ? '' : canonicalIp(r.via)}`;
};

/** sorted by a string key computed once per element (keys are not free: addresses are canonicalised) */
function sortBy<T>(items: T[], key: (t: T) => string): T[] {
	return items
		.map((item) => ({ item, k: key(item) }))
		.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
		.map((x) => x.item);
}

export interface NeighborDiff {
	put: NeighborEntry[];
	del: Pick<NeighborEntry, 'ip' | 'port'>[];
}

/** {dataplane neighbours, desired, mirrored ports} => what to put and delete; other ports are left alone */
export function diffNeighbors(current: readonly NeighborEntry[], desired: readonly NeighborEntry[], mirrored: ReadonlySet<string>): NeighborDiff {
	const have = new Map(current.filter((n) => mirrored.has(n.port)).map((n) => [neighborKey(n), n]));
	const want = new Map(desired.map((n) => [neighborKey(n), n]));
	const put = [...want.values()].filter((n) => have.get(neighborKey(n))?.mac !== n.mac || !have.has(neighborKey(n)));
	const del = [...have.values()].filter((n) => !want.has(neighborKey(n))).map(({ ip, port }) => ({ ip, port }));
	return { put, del };
}

/**
 * {dataplane routes, desired routes of the mirrored ports, mirrored ports} => the whole new
 * table (routes of other ports kept as they are), or null when the mirrored part is already equal.
 */
export function mergeRoutes(current: readonly RouteEntry[], desired: readonly RouteEntry[], mirrored: ReadonlySet<string>): RouteEntry[] | null {
	const mine = current.filter((r) => mirrored.has(r.port)).map(routeKey).sort();
	const want = desired.map(routeKey).sort();
	if (mine.length === want.length && mine.every((k, i) => k === want[i])) return null;
	return [...current.filter((r) => !mirrored.has(r.port)), ...desired];
}
