// One SA on 1 and on 2 worker cores: ESP with AES-GCM-128, in-memory I/O, SPD + LPM on.
//
//   encrypt:  net_pcap lan (infinite_rx, one rx_pcap per worker = one RX queue per worker)
//               -> [lan] SPD out -> the one out SA -> route -> [wan] net_null (a TX queue per worker)
//   decrypt:  net_pcap wan (infinite_rx, one rx_pcap per worker, ESP of the one in SA)
//               -> [wan] SAD -> the one in SA -> SPD in -> route -> [lan] net_null
//
// Why two pcap files on one port rather than net_ring or two ports: net_pcap makes one RX
// queue per rx_pcap file, so one port has as many RX queues as workers, exactly as a NIC with
// RSS would; each file carries its own flows (distinct UDP source ports), as RSS would keep
// them; and the worker code path is the production one (one port role, one SA). net_ring
// needs its rings created by the application, and two ports would make two port roles.
//
// The decrypt case is the hard one on purpose: a real NIC's RSS puts all ESP of one SA from
// one peer on one queue (it cannot see inner flows), so this measures two workers forced onto
// one inbound SA — the cost of the shared replay window (its spinlock once per burst run).
// decrypt-spread is the realistic case: one SA on one RX queue, whose bursts the polling worker
// hands to the other while it is about to run dry (dataplane/src/spread.c, on by default with
// workers on CPUs of their own, as here), sent in the order received.
//
// Is the in-memory port the ceiling? net_pcap's infinite_rx copies every frame into a fresh
// mbuf. Measured alone (the same 64 B ESP, no SA: RX, classification, drop) one worker takes
// 29 M frames per CPU-second at 64 B, 15 M at 1420 B, against 7.4 and 3.7 Mpps decrypted: the
// RX is about a quarter of the poller's work, not the limit, and the same for 1 and 2 workers.
// Usage: node --import tsx bench/dataplane/multicore.ts [--seconds N] [--repeat N] [--sizes 64,1420] [--out FILE.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptConfig, encryptConfig, frame, opt, pcap, runner, sh } from './esp-setup.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

const seconds = Number(opt('--seconds', '2'));
const repeat = Number(opt('--repeat', '3'));
const sizes = opt('--sizes', '64,1420').split(',').map(Number);
const outFile = opt('--out', join(repo, 'bench/results/dataplane-multicore.json'));
const FRAMES_PER_QUEUE = 256;

/** {workers} => EAL arguments: the main lcore floats over both CPUs (it only sleeps), worker
 * lcore k is pinned to CPU k - 1 (the machine has 2) */
function eal(workers: 1 | 2): string[] {
	const lcores = workers === 1 ? '0@(0-1),1@0' : '0@(0-1),1@0,2@1';
	return ['--lcores', lcores, '--no-pci', '--no-huge', '-m', '512', '--no-shconf', '--no-telemetry', '--file-prefix', `espdpm${process.pid}`];
}

/** {files per queue} => the net_pcap devargs of a port with one RX queue per file */
const rxPort = (name: string, files: string[]) => `${name},${files.map(f => `rx_pcap=${f}`).join(',')},infinite_rx=1`;

/** {config, workers, vdevs} => packets/s sent, and the CPU cores the workers really got */
function rate(config: string, workers: 1 | 2, vdevs: string[]): { pps: number; cores: number } {
	const argv = ['--config', config, '--bench-ms', String(seconds * 1000), '--', ...eal(workers), ...vdevs.flatMap(v => ['--vdev', v])];
	const out = sh(runner, argv);
	const r = JSON.parse(out.trim().split('\n').pop()!) as { tx_pps: number; cpu_cores: number };
	return { pps: r.tx_pps, cores: r.cpu_cores };
}

// On a loaded shared machine a pinned worker gets only part of its core, so next to the raw
// rates (pessimistic) stands the rate per CPU-second the workers really got: its ratio is the
// scaling a machine with the cores to spare would see, minus what the load does to caches.
export interface MulticoreResult {
	size: number; op: 'encrypt' | 'decrypt' | 'decrypt-spread';
	mpps1: number; mpps2: number; scaling: number;
	cores1: number; cores2: number; mppsPerCore1: number; mppsPerCore2: number; scalingPerCore: number;
}

const dir = mkdtempSync(join(tmpdir(), 'espdp-mcbench-'));
const results: MulticoreResult[] = [];
const loadBefore = loadavg();
try {
	writeFileSync(join(dir, 'enc.json'), JSON.stringify(encryptConfig));
	writeFileSync(join(dir, 'dec.json'), JSON.stringify(decryptConfig));
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	for (const size of sizes) {
		// queue q's flows: UDP source ports 1024 + q * FRAMES_PER_QUEUE + i, disjoint per queue
		const clear = [0, 1].map(q => join(dir, `clear-${size}-${q}.pcap`));
		const esp = [0, 1].map(q => join(dir, `esp-${size}-${q}.pcap`));
		for (const q of [0, 1]) {
			writeFileSync(clear[q]!, pcap(Array.from({ length: FRAMES_PER_QUEUE }, (_, i) => frame(size, i, q * FRAMES_PER_QUEUE))));
			// the decrypt input is what the encrypt side produced (one worker: one ordered file)
			sh(runner, ['--config', join(dir, 'enc.json'), '--until-idle', '300', '--', ...eal(1),
				'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')},tx_pcap=${esp[q]}`, '--vdev', `net_pcap1,rx_pcap=${clear[q]}`]);
		}
		// decrypt-spread: the realistic inbound case, one SA on one RX queue (one file), its
		// bursts shared with the second worker (dataplane/src/spread.c, on by default)
		for (const op of ['encrypt', 'decrypt', 'decrypt-spread'] as const) {
			// best of N, 1 and 2 workers interleaved so both see the same load
			const best = { 1: { pps: 0, cores: 1 }, 2: { pps: 0, cores: 2 } };
			for (let k = 0; k < repeat; k++) {
				for (const workers of [1, 2] as const) {
					const files = (op === 'encrypt' ? clear : esp).slice(0, op === 'decrypt-spread' ? 1 : workers);
					const vdevs = op === 'encrypt'
						? ['net_null0,no-rx=1', rxPort('net_pcap1', files)]
						: [rxPort('net_pcap0', files), 'net_null1,no-rx=1'];
					const r = rate(join(dir, op === 'encrypt' ? 'enc.json' : 'dec.json'), workers, vdevs);
					if (r.pps > best[workers].pps) best[workers] = r;
				}
			}
			const perCore1 = best[1].pps / Math.max(best[1].cores, 0.01) / 1e6;
			const perCore2 = best[2].pps / Math.max(best[2].cores, 0.01) / 1e6;
			results.push({ size, op, mpps1: best[1].pps / 1e6, mpps2: best[2].pps / 1e6, scaling: best[2].pps / best[1].pps,
				cores1: best[1].cores, cores2: best[2].cores, mppsPerCore1: perCore1, mppsPerCore2: perCore2, scalingPerCore: (2 * perCore2) / perCore1 });
		}
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg();

const pad = (s: string, n: number) => s.padStart(n);
console.log(`load average before ${loadBefore.map(x => x.toFixed(2)).join(' ')}, after ${loadAfter.map(x => x.toFixed(2)).join(' ')}`);
console.log(`${pad('inner', 6)} ${pad('op', 8)} ${pad('1 worker', 9)} ${pad('2 workers', 10)} ${pad('scaling', 8)} ${pad('cores got', 10)} ${pad('Mpps/core', 10)} ${pad('scaling/core', 13)}`);
for (const r of results)
	console.log(`${pad(String(r.size), 6)} ${pad(r.op, 8)} ${pad(r.mpps1.toFixed(3), 9)} ${pad(r.mpps2.toFixed(3), 10)} ${pad(r.scaling.toFixed(2), 8)} ${pad(`${r.cores1.toFixed(2)}/${r.cores2.toFixed(2)}`, 10)} ${pad(`${r.mppsPerCore1.toFixed(2)}/${r.mppsPerCore2.toFixed(2)}`, 10)} ${pad(r.scalingPerCore.toFixed(2), 13)}`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ algorithm: 'rfc4106(gcm(aes)) 128', seconds, repeat, loadavg: { before: loadBefore, after: loadAfter }, results }, null, 2));
console.log(`written ${outFile}`);
