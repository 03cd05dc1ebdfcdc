// The dataplane lcore busy ratio: the share of a worker's TSC cycles spent in loops that found
// packets, between two observations (as VPP's and DPDK apps' busy ratios read). The workers
// count cumulatively (esp_dp_lcore_stats); the agent keeps the previous reading and divides
// the deltas, so the gauge says how busy each lcore was over the last poll interval.
import type { LcoreCounters } from '../dataplane/binding.js';
import type { LcoreSample } from '../metrics/index.js';

type Reading = Pick<LcoreCounters, 'lcore' | 'busyCycles' | 'totalCycles'>;

/** {reading before (or none), reading now} => per lcore, delta busy / delta total cycles in
 * 0..1; an lcore without a previous reading is taken since its start; no cycles passed => 0 */
export function lcoreBusyRatios(before: readonly Reading[] | undefined, now: readonly Reading[]): LcoreSample[] {
	const prev = new Map((before ?? []).map(r => [r.lcore, r]));
	return now.map(r => {
		const p = prev.get(r.lcore);
		// a restarted dataplane starts from zero again: then its whole count is the interval
		const fresh = !p || r.totalCycles < p.totalCycles || r.busyCycles < p.busyCycles;
		const busy = r.busyCycles - (fresh ? 0n : p.busyCycles);
		const total = r.totalCycles - (fresh ? 0n : p.totalCycles);
		const ratio = total > 0n ? Number(busy) / Number(total) : 0;
		return { lcore: r.lcore, role: 'worker', busyRatio: Math.min(1, Math.max(0, ratio)) };
	});
}

/** {read the counters} => a function returning the ratios since its previous call */
export function lcoreBusyTracker(read: () => Reading[]): () => LcoreSample[] {
	let last: Reading[] | undefined;
	return () => {
		const now = read();
		const out = lcoreBusyRatios(last, now);
		last = now;
		return out;
	};
}
