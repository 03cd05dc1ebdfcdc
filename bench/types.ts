// The shape every benchmark module returns, so one runner can tabulate, chart and save them.
// A benchmark module is a file `bench/<area>/*.bench.ts` whose default export is a Benchmark.

export interface BenchRow {
	/** what was measured, e.g. "encrypt aes-gcm-128 1420 B" */
	case: string;
	/** the headline number and its unit */
	value: number;
	unit: string;
	/** the reference measured in the same run (e.g. dpdk-test-crypto-perf), if any */
	reference?: { name: string; value: number; unit: string };
	/** value / reference, or another ratio the target is stated in */
	ratio?: number;
	/** the goal, stated as the issue states it, e.g. ">= 0.85 of crypto-only" */
	target?: string;
	/** whether the target was met; absent when there is no target */
	met?: boolean;
	/** anything else worth keeping (Mpps next to Gbps, memory, p50/p99…) */
	extra?: Record<string, number | string>;
}

export interface BenchReport {
	name: string;
	rows: BenchRow[];
	notes?: string[];
}

export interface BenchOptions {
	/** a short smoke run (CI): small counts, short durations; numbers are not meaningful */
	quick: boolean;
	/** scratch directory for this benchmark */
	workDir: string;
	log: (msg: string) => void;
}

export type Benchmark = {
	title: string;
	run: (opts: BenchOptions) => Promise<BenchReport>;
};
