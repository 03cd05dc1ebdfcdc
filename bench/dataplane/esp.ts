// ESP throughput of one dataplane worker core, against the crypto-only rate of
// dpdk-test-crypto-perf for the same algorithm and size measured in the same run: AES-GCM-128,
// AES-GCM-256, AES-CBC-128 + HMAC-SHA256-128 and ChaCha20-Poly1305 at 64, 512, 1420 B inner
// packets and IMIX (7:4:1 of 64, 576, 1500 B).
//
//   encrypt:  net_pcap (infinite_rx, clear)  -> [lan] SPD out -> ESP -> route -> [wan] net_null
//   decrypt:  net_pcap (infinite_rx, ESP)    -> [wan] SAD -> ESP -> SPD in -> route -> [lan] net_null
//
// SPD (rte_acl) and route (rte_lpm) lookups are on. The inbound SA has its replay window off:
// infinite_rx replays the same ESP packets, which a window would (rightly) drop.
// crypto-perf wants whole cipher blocks for AES-CBC: its sizes are rounded up to 16 B there
// (the dataplane pads ESP to the block anyway).
// Usage: node --import tsx bench/dataplane/esp.ts [--seconds N] [--repeat N] [--sizes 64,1420,...] [--algs aes-gcm-128,...] [--out FILE.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS, EAL, type BenchAlgorithm, decryptConfigFor, encryptConfigFor, frame, opt, pcap, runner, sh } from './esp-setup.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(opt('--seconds', '2'));
// the machine is shared: each rate is the best of N runs, dataplane and crypto-perf interleaved
const repeat = Number(opt('--repeat', '3'));
const outFile = opt('--out', join(repo, 'bench/results/dataplane-esp.json'));

interface Load {
	name: string;
	sizes: number[]; // inner IPv4 packet sizes, in the order packets are sent
	/** dpdk-test-crypto-perf buffer sizes, rounded up to the cipher block */
	cryptoPerf(block: number): string[];
}
const whole = (n: number, block: number) => Math.ceil(n / block) * block;
const loads: Load[] = [64, 512, 1420].map(n => ({ name: String(n), sizes: [n], cryptoPerf: (b: number) => ['--buffer-sz', String(whole(n, b))] }));
loads.push({ name: 'IMIX', sizes: [64, 576, 64, 64, 1500, 576, 64, 64, 576, 64, 576, 64], cryptoPerf: b => ['--buffer-sz', [64, 576, 1500].map(n => whole(n, b)).join(','), '--imix', '7,4,1'] });
const only = opt('--sizes', '').split(',').filter(Boolean);
const chosen = loads.filter(l => only.length === 0 || only.includes(l.name));
const algs = opt('--algs', '').split(',').filter(Boolean);
const chosenAlgs = ALGORITHMS.filter(a => algs.length === 0 || algs.includes(a.id));
if (chosenAlgs.length === 0) throw new Error(`--algs: none of ${ALGORITHMS.map(a => a.id).join(', ')}`);

/** {config, vdevs} => packets/s over wall time, and per second of the CPU time the worker got
 * (the runner's cpu_cores): what the code costs even while other processes take the core away */
function dataplaneRate(config: string, vdevs: string[]): { pps: number; perCpu: number } {
	const out = sh(runner, ['--config', config, '--bench-ms', String(seconds * 1000), '--', ...EAL, ...vdevs.flatMap(v => ['--vdev', v])]);
	const r = JSON.parse(out.trim().split('\n').pop()!) as { tx_pps: number; cpu_cores: number };
	return { pps: r.tx_pps, perCpu: r.cpu_cores > 0 ? r.tx_pps / r.cpu_cores : 0 };
}

/** {algorithm, op, sizes} => crypto-only ops/s and the TSC rate (ops/s x its cycles per op);
 * several runs (one op measured in parts) add their times per op */
function cryptoPerfRate(alg: BenchAlgorithm, op: 'encrypt' | 'decrypt', sizeArgs: string[]): { ops: number; hz: number } {
	let secondsPerOp = 0;
	let cyclesPerOp = 0;
	for (const args of alg.cryptoPerf(op)) {
		const out = sh('dpdk-test-crypto-perf', [...EAL, ...args, '--total-ops', '3000000', '--burst-sz', '32', '--csv-friendly', ...sizeArgs]);
		// lcore,buffer size,burst,enq,deq,failed enq,failed deq,Mops,Gbps,cycles/buf
		const rows = out.split('\n').filter(l => /^\d+,\d+,/.test(l)).map(l => l.split(',').map(Number));
		const best = rows.sort((a, b) => (b[7] ?? 0) - (a[7] ?? 0))[0] ?? [];
		secondsPerOp += 1 / ((best[7] ?? 0) * 1e6);
		cyclesPerOp += best[9] ?? 0;
	}
	const ops = 1 / secondsPerOp;
	return { ops, hz: ops * cyclesPerOp };
}

// the machine is shared: the 1-minute load average before and after says how much
const loadStart = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'espdp-bench-'));
const results: Record<string, unknown>[] = [];
try {
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	for (const alg of chosenAlgs) {
		writeFileSync(join(dir, 'enc.json'), JSON.stringify(encryptConfigFor(alg)));
		writeFileSync(join(dir, 'dec.json'), JSON.stringify(decryptConfigFor(alg)));
		for (const load of chosen) {
			const frames = Array.from({ length: 256 }, (_, i) => frame(load.sizes[i % load.sizes.length]!, i));
			const avgBytes = frames.reduce((s, f) => s + f.length - 14, 0) / frames.length;
			const clear = join(dir, `clear-${load.name}.pcap`);
			const esp = join(dir, `esp-${load.name}.pcap`);
			writeFileSync(clear, pcap(frames));
			// the ESP input of the decrypt run is what the encrypt side produced
			sh(runner, ['--config', join(dir, 'enc.json'), '--until-idle', '300', '--', ...EAL,
				'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')},tx_pcap=${esp}`, '--vdev', `net_pcap1,rx_pcap=${clear}`]);
			for (const op of ['encrypt', 'decrypt'] as const) {
				let pps = 0;
				let perCpu = 0;
				let crypto = 0;
				let hz = 0;
				for (let k = 0; k < repeat; k++) {
					const d = op === 'encrypt'
						? dataplaneRate(join(dir, 'enc.json'), ['net_null0,no-rx=1', `net_pcap1,rx_pcap=${clear},infinite_rx=1`])
						: dataplaneRate(join(dir, 'dec.json'), [`net_pcap0,rx_pcap=${esp},infinite_rx=1`, 'net_null1,no-rx=1']);
					pps = Math.max(pps, d.pps);
					perCpu = Math.max(perCpu, d.perCpu);
					const c = cryptoPerfRate(alg, op, load.cryptoPerf(alg.block));
					if (c.ops > crypto) {
						crypto = c.ops;
						hz = c.hz;
					}
				}
				// where the cycles go: all of the worker's per packet, of which crypto alone
				const cycles = hz / pps;
				const cryptoCycles = hz / crypto;
				results.push({ algorithm: alg.id, label: alg.label, size: load.name, op, mpps: pps / 1e6, mppsPerWorkerCpu: perCpu / 1e6, gbps: (pps * avgBytes * 8) / 1e9, cryptoMops: crypto / 1e6,
					ratio: pps / crypto, cyclesPerPacket: cycles, cryptoCyclesPerOp: cryptoCycles, otherCyclesPerPacket: cycles - cryptoCycles });
			}
		}
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}

const pad = (s: string, n: number) => s.padStart(n);
console.log(`${pad('algorithm', 18)} ${pad('inner', 6)} ${pad('op', 8)} ${pad('Mpps', 7)} ${pad('Mpps/cpu', 8)} ${pad('Gbps', 7)} ${pad('crypto Mops', 12)} ${pad('ratio', 6)} ${pad('cyc/pkt', 8)} ${pad('crypto', 7)} ${pad('other', 7)}`);
for (const r of results) {
	const n = (v: unknown, d: number) => (v as number).toFixed(d);
	console.log(`${pad(String(r['algorithm']), 18)} ${pad(String(r['size']), 6)} ${pad(String(r['op']), 8)} ${pad(n(r['mpps'], 3), 7)} ${pad(n(r['mppsPerWorkerCpu'], 3), 8)} ${pad(n(r['gbps'], 2), 7)} ${pad(n(r['cryptoMops'], 3), 12)} ${pad(n(r['ratio'], 2), 6)} ${pad(n(r['cyclesPerPacket'], 0), 8)} ${pad(n(r['cryptoCyclesPerOp'], 0), 7)} ${pad(n(r['otherCyclesPerPacket'], 0), 7)}`);
}
const load = { start: loadStart, end: loadavg()[0]! };
console.log(`load average (1 min) ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ algorithms: chosenAlgs.map(a => a.id), worker_cores: 1, seconds, repeat, load, results }, null, 2));
console.log(`written ${outFile}`);
