// npm run bench: the dataplane's ESP rate on one worker core next to dpdk-test-crypto-perf
// measured in the same run (bench/dataplane/esp.ts does the measuring and explains the setup).
import type { Benchmark, BenchRow } from '../types.js';
import { measure } from './measure.js';

interface EspResult { algorithm: string; label: string; size: string; op: string; mpps: number; mppsPerWorkerCpu: number; gbps: number; cryptoMops: number; ratio: number; cyclesPerPacket: number; otherCyclesPerPacket: number }

/** Targets from issue 3, for AES-GCM-128: ≥ 0.85 of crypto-only at 1420 B, ≥ 0.60 at 64 B, both directions. */
const targets: Record<string, number> = { '64': 0.6, '1420': 0.85 };

const bench: Benchmark = {
	title: 'dataplane ESP, one worker core, four algorithms',
	async run({ quick, workDir, log }) {
		const { results, load } = measure<{ results: EspResult[]; load: { start: number; end: number } }>(
			// the smoke run sets every algorithm up once, at one size
			'esp.ts', ['--seconds', quick ? '0.5' : '2', '--repeat', quick ? '1' : '3', ...(quick ? ['--sizes', '64'] : [])], workDir, log);
		const rows: BenchRow[] = results.map(x => {
			const target = x.algorithm === 'aes-gcm-128' ? targets[x.size] : undefined;
			return {
				case: `${x.label} ${x.op} ${x.size === 'IMIX' ? 'IMIX' : `${x.size} B`}`,
				value: x.mpps,
				unit: 'Mpps',
				reference: { name: 'dpdk-test-crypto-perf', value: x.cryptoMops, unit: 'Mops' },
				ratio: x.ratio,
				...(target !== undefined ? { target: `>= ${target} of crypto-only`, met: x.ratio >= target } : {}),
				extra: { gbps: x.gbps, mppsPerWorkerCpuSecond: x.mppsPerWorkerCpu, cyclesPerPacket: Math.round(x.cyclesPerPacket), nonCryptoCyclesPerPacket: Math.round(x.otherCyclesPerPacket) },
			};
		});
		return { name: 'dataplane ESP (one worker, in-memory I/O, SPD + LPM on)', rows, notes: ['each rate is the best of N runs, dataplane and crypto-perf interleaved; ratios swing with machine load',
			'reference: crypto_aesni_gcm for AES-GCM, crypto_aesni_mb for AES-CBC + HMAC-SHA256 and ChaCha20-Poly1305 (the PMDs the dataplane uses); CBC + HMAC: encrypt chained cipher-then-auth, decrypt as CBC decryption and HMAC measured apart with their times added, sizes rounded up to 16 B',
			`load average (1 min) ${load.start.toFixed(1)} at start, ${load.end.toFixed(1)} at end, on 2 shared CPUs; mppsPerWorkerCpuSecond counts packets per second of the worker thread's own CPU time`] };
	},
};
export default bench;
