// The XFRM mirror's speed on a real kernel (UML guest, Debian 6.1): event-to-installed
// latency (NEWSA sent to the kernel → the dataplane's putSa called) with a small table and
// with 10,000 SAs + 10,000 policies, and the initial sync of those with the agent's memory.
// The dataplane is the in-memory fake, so the numbers are the agent's own cost (netlink,
// decode, reconcile), not the C library's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../../test/helpers/uml.js';
import type { Benchmark, BenchRow } from '../types.js';
import { hostSync } from './host-sync.js';

const bench: Benchmark = {
	title: 'XFRM mirror: event latency and initial sync (UML kernel)',
	async run({ quick, log }) {
		const n = quick ? 1000 : 10_000;
		const events = quick ? 50 : 300;
		const load = loadavg()[0] ?? 0;
		const r = await runInUml('node --expose-gc --import tsx bench/xfrm/guest-bench.ts', {
			timeoutMs: 600_000, memMB: 1024, env: { XFRM_BENCH_N: String(n), XFRM_BENCH_EVENTS: String(events) },
		});
		if (r.exitCode !== 0) throw new Error(`guest failed: ${r.failure ?? ''} ${r.log.slice(-2000)}`);
		const res = JSON.parse(readFileSync(join(r.outDir, 'xfrm-bench.json'), 'utf8')) as Record<string, number>;
		log(JSON.stringify(res));
		cleanupUml(r);
		const ms = (x: number | undefined) => Math.round((x ?? NaN) * 100) / 100;
		const rows: BenchRow[] = [
			{
				case: 'event → installed, 5 tunnels (10 SAs)', value: ms(res['smallP50']), unit: 'ms p50',
				target: 'p99 < 5 ms', met: (res['smallP99'] ?? Infinity) < 5, extra: { p99: ms(res['smallP99']), events },
			},
			{
				case: `event → installed, ${n} SAs + ${n} policies`, value: ms(res['largeP50']), unit: 'ms p50',
				target: 'p99 < 5 ms', met: (res['largeP99'] ?? Infinity) < 5, extra: { p99: ms(res['largeP99']), events },
			},
			{
				case: `initial sync ${n} SAs + ${n} policies`, value: ms(res['syncMs']), unit: 'ms',
				target: '< 1000 ms', met: (res['syncMs'] ?? Infinity) < 1000,
				extra: { dumpMs: ms(res['syncDumpMs']), reconcileMs: ms(res['syncReconcileMs']), seqWriteMs: ms(res['syncKernelWriteMs']), rssMiB: ms(res['rssMiB']), heapDeltaMiB: ms(res['heapDeltaMiB']), installedSas: res['installedSas'] ?? 0, installedPolicies: res['installedPolicies'] ?? 0, kernelFillMs: ms(res['kernelFillMs']) },
			},
		];
		// The same sync without UML: our decode + reconcile CPU, apart from the guest's system-call cost.
		const h = await hostSync(n);
		log(JSON.stringify(h));
		rows.push({
			case: `initial sync ${n} SAs + ${n} policies, in-process (decode + reconcile, no kernel)`, value: ms(h.syncMs), unit: 'ms',
			target: '< 1000 ms', met: h.syncMs < 1000,
			extra: { cpuMs: ms(h.cpuMs), dumpDecodeMs: ms(h.dumpMs), reconcileMs: ms(h.reconcileMs), heapMiB: ms(h.heapMiB) },
		});
		// Policy events on the host kernel in a netns of our own: the agent's latency without UML.
		const ns = `espxfb${process.pid}`;
		execFileSync('ip', ['netns', 'add', ns]);
		let nl: Record<string, number>;
		try {
			nl = JSON.parse(execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bench/xfrm/netns-latency.ts', String(n), String(events)], { timeout: 300_000 }).toString()) as Record<string, number>;
		} finally {
			execFileSync('ip', ['netns', 'del', ns]);
		}
		log(JSON.stringify(nl));
		rows.push(
			{
				case: 'policy event → SPD replaced, host kernel netns, empty table', value: ms(nl['smallP50']), unit: 'ms p50',
				target: 'p99 < 5 ms', met: (nl['smallP99'] ?? Infinity) < 5, extra: { p99: ms(nl['smallP99']), events },
			},
			{
				case: `policy event → SPD replaced, host kernel netns, ${n} policies`, value: ms(nl['largeP50']), unit: 'ms p50',
				target: 'p99 < 5 ms', met: (nl['largeP99'] ?? Infinity) < 5, extra: { p99: ms(nl['largeP99']), events, fillAndMirrorMs: ms(nl['fillAndMirrorMs']) },
			},
		);
		return {
			name: 'xfrm',
			rows,
			notes: [
				`one guest CPU; host load average ${load.toFixed(1)} at start (2 shared vCPUs): latencies include scheduling noise`,
				'each event is a new outbound SA of an existing tunnel: the SA is written back (restart-safe oseq), installed, and the out SPD re-resolved and replaced',
			],
		};
	},
};

export default bench;
