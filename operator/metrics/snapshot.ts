// What the agent hands the metrics module: the latest counters it polled from the dataplane
// and strongSwan. Metric families read this on every scrape (prom-client `collect()`), so
// nothing is incremented on the packet path and a scrape costs one object read.
//
// Counters are cumulative since the dataplane started (bigint as the binding returns them,
// or number). Tunnel totals are kept by the agent across rekeys, so they never go backwards
// when an SA is replaced; per-SA counters live and die with the SA.
import type { Direction } from '../dataplane/types.js';

export type Count = bigint | number;

/** One SA as the dataplane sees it. */
export interface SaSample {
	/** the IPsecTunnel this SA belongs to, "namespace/name" */
	tunnel: string;
	spi: string;
	dir: Direction;
	packets: Count;
	bytes: Count;
	/** packets dropped on this SA, by the dataplane's drop-reason name */
	drops: Record<string, Count>;
	/** lifecycle state, e.g. "active", "rekeyed", "soft_expired", "hard_expired" */
	state: string;
	/** outbound: sequence numbers left before the SA must be rekeyed (2^32-1 or 2^64-1 minus seq) */
	seqRemaining?: Count;
}

/** One tunnel: IKE state from strongSwan, totals kept by the agent across rekeys. */
export interface TunnelSample {
	tunnel: string;
	/** strongSwan IKE_SA state, lower case: "connecting", "established", "rekeying", "deleting", "down" */
	ikeState: string;
	packets: Record<Direction, Count>;
	bytes: Record<Direction, Count>;
	/** drops attributed to this tunnel, by drop-reason name */
	drops: Record<string, Count>;
	rekeys: { ike: Count; child: Count };
}

/** One dataplane lcore (worker thread). */
export interface LcoreSample {
	lcore: number;
	/** what the lcore does, e.g. "rx-wan", "worker" */
	role: string;
	/** share of the lcore's cycles spent in polls that found packets, 0..1, over the agent's
	 * last poll interval (operator/agent/lcore-busy.ts) */
	busyRatio: number;
}

export interface AgentSnapshot {
	tunnels: TunnelSample[];
	sas: SaSample[];
	/** every drop the dataplane counted, attributed or not, by reason */
	drops: Record<string, Count>;
	lcores: LcoreSample[];
}

export function emptySnapshot(): AgentSnapshot {
	return { tunnels: [], sas: [], drops: {}, lcores: [] };
}

/** Counters go to Prometheus as float64; past 2^53 the low bits do not matter for a rate. */
export function toNumber(c: Count | undefined): number {
	if (c === undefined) return 0;
	return typeof c === 'bigint' ? Number(c) : c;
}

const SEQ32_MAX = 0xffff_ffffn;
const SEQ64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Outbound sequence numbers an SA has left: the last number it may use (2^32-1, or 2^64-1
 * with ESN; RFC 4303 3.3.3 forbids cycling) minus the last one it sent.
 */
export function seqRemaining(lastSent: bigint, esn: boolean): bigint {
	const max = esn ? SEQ64_MAX : SEQ32_MAX;
	return lastSent >= max ? 0n : max - lastSent;
}
