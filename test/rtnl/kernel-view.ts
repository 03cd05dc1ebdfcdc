// The kernel's neighbours and routes of one interface as `ip -j` reports them, turned into
// the dataplane's entry shapes: an independent reading to compare the mirror against.
import type { NeighborEntry, RouteEntry } from '../../operator/dataplane/control.js';
import { byDst, byIp } from './fake-forwarding.js';
import type { Netns } from './netns.js';

interface IpNeigh { dst: string; lladdr?: string; state?: string[] }
interface IpRoute { dst: string; gateway?: string; metric?: number; type?: string }

const RESOLVED = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);
const UNRESOLVED = new Set(['INCOMPLETE', 'FAILED']);
const multicast = (ip: string): boolean => ip.toLowerCase().startsWith('ff') || /^(22[4-9]|23\d)\./.test(ip);

export function kernelNeighbors(ns: Netns, dev: string, port: string): NeighborEntry[] {
	const out: NeighborEntry[] = [];
	for (const n of ns.json<IpNeigh[]>(`neigh show dev ${dev} nud all`)) {
		if (multicast(n.dst)) continue;
		const states = n.state ?? [];
		if (states.some((s) => RESOLVED.has(s)) && n.lladdr !== undefined) out.push({ ip: n.dst, mac: n.lladdr, port });
		else if (states.some((s) => UNRESOLVED.has(s))) out.push({ ip: n.dst, port });
	}
	return out.sort(byIp);
}

export function kernelRoutes(ns: Netns, dev: string, port: string): RouteEntry[] {
	const best = new Map<string, { r: RouteEntry; metric: number }>();
	for (const family of ['4', '6'] as const) {
		for (const r of ns.json<IpRoute[]>(`-${family} route show table main dev ${dev}`)) {
			if (r.type !== undefined && r.type !== 'unicast') continue;
			const dst = r.dst === 'default' ? (family === '4' ? '0.0.0.0/0' : '::/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${family === '4' ? 32 : 128}`;
			const entry: RouteEntry = r.gateway !== undefined ? { dst, port, via: r.gateway } : { dst, port };
			const metric = r.metric ?? 0;
			const seen = best.get(dst);
			if (!seen || metric < seen.metric) best.set(dst, { r: entry, metric });
		}
	}
	return [...best.values()].map((b) => b.r).sort(byDst);
}

/** Polls `read` until it deep-equals what `expected` returns (both re-read each time), or the time is up. */
export async function settle<T>(read: () => T, expected: () => T, timeoutMs = 3000): Promise<{ actual: T; expected: T; ms: number }> {
	const t0 = Date.now();
	for (;;) {
		const a = read();
		const e = expected();
		if (JSON.stringify(a) === JSON.stringify(e) || Date.now() - t0 > timeoutMs) return { actual: a, expected: e, ms: Date.now() - t0 };
		await new Promise((r) => setTimeout(r, 25));
	}
}
