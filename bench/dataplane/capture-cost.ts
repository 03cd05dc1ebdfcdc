// What an armed capture costs the worker: the ESP benchmark's setup (one worker, net_pcap
// infinite_rx -> net_null, AES-GCM-128) run with capture disarmed and armed at the wan point
// of each direction (every packet copied into the worker's ring, the runner's main thread
// draining it continuously as the agent would). Disarmed and armed runs are interleaved and
// each rate is the best of N; the machine is shared, so its load average is reported too, and
// next to the wall rate the packets per CPU-second the process got (worker and drain thread
// together: what a capture really costs, even while other processes take the cores away).
// Usage: node --import tsx bench/dataplane/capture-cost.ts [--seconds N] [--repeat N] [--out FILE.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EAL, decryptConfig, encryptConfig, frame, opt, pcap, runner, sh } from './esp-setup.js';

const seconds = Number(opt('--seconds', '2'));
const repeat = Number(opt('--repeat', '3'));
const outFile = opt('--out', join(tmpdir(), 'capture-cost.json'));
const POINT = { 'wan-in': 0, 'wan-out': 3 } as const;

interface Run { tx_pps: number; cpu_cores: number; captured: number; capture_dropped: number; drained: number }
const perCpu = (r: Run) => (r.cpu_cores > 0 ? r.tx_pps / r.cpu_cores : 0);

function rate(config: string, vdevs: string[], point?: number): Run {
	const out = sh(runner, ['--config', config, '--bench-ms', String(seconds * 1000), ...(point !== undefined ? ['--capture', String(point)] : []),
		'--', ...EAL, ...vdevs.flatMap(v => ['--vdev', v])]);
	return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

const dir = mkdtempSync(join(tmpdir(), 'espdp-capbench-'));
const results: Record<string, unknown>[] = [];
const loadBefore = loadavg();
try {
	writeFileSync(join(dir, 'enc.json'), JSON.stringify(encryptConfig));
	writeFileSync(join(dir, 'dec.json'), JSON.stringify(decryptConfig));
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	for (const size of [64, 1420]) {
		const clear = join(dir, `clear-${size}.pcap`);
		const esp = join(dir, `esp-${size}.pcap`);
		writeFileSync(clear, pcap(Array.from({ length: 256 }, (_, i) => frame(size, i))));
		sh(runner, ['--config', join(dir, 'enc.json'), '--until-idle', '300', '--', ...EAL,
			'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')},tx_pcap=${esp}`, '--vdev', `net_pcap1,rx_pcap=${clear}`]);
		for (const op of ['encrypt', 'decrypt'] as const) {
			const point = op === 'encrypt' ? 'wan-out' : 'wan-in';
			const run = (p?: number) => (op === 'encrypt'
				? rate(join(dir, 'enc.json'), ['net_null0,no-rx=1', `net_pcap1,rx_pcap=${clear},infinite_rx=1`], p)
				: rate(join(dir, 'dec.json'), [`net_pcap0,rx_pcap=${esp},infinite_rx=1`, 'net_null1,no-rx=1'], p));
			let off = 0;
			let offCpu = 0;
			let onCpu = 0;
			let on: Run | undefined;
			for (let k = 0; k < repeat; k++) {
				const disarmed = run();
				off = Math.max(off, disarmed.tx_pps);
				offCpu = Math.max(offCpu, perCpu(disarmed));
				const armed = run(POINT[point]);
				onCpu = Math.max(onCpu, perCpu(armed));
				if (!on || armed.tx_pps > on.tx_pps) on = armed;
			}
			results.push({ size, op, point, disarmedMpps: off / 1e6, armedMpps: on!.tx_pps / 1e6, ratio: on!.tx_pps / off,
				disarmedMppsPerCpu: offCpu / 1e6, armedMppsPerCpu: onCpu / 1e6, ratioPerCpu: offCpu ? onCpu / offCpu : 0,
				capturedPerS: on!.captured / seconds, captureDroppedPerS: on!.capture_dropped / seconds });
		}
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg();

const pad = (s: string, n: number) => s.padStart(n);
console.log(`${pad('inner', 6)} ${pad('op', 8)} ${pad('point', 8)} ${pad('off Mpps', 9)} ${pad('on Mpps', 8)} ${pad('ratio', 6)} ${pad('off /cpu', 9)} ${pad('on /cpu', 8)} ${pad('ratio', 6)} ${pad('rec/s', 10)} ${pad('ring-full/s', 12)}`);
for (const r of results) {
	const n = (v: unknown, d: number) => (v as number).toFixed(d);
	console.log(`${pad(String(r['size']), 6)} ${pad(String(r['op']), 8)} ${pad(String(r['point']), 8)} ${pad(n(r['disarmedMpps'], 3), 9)} ${pad(n(r['armedMpps'], 3), 8)} ${pad(n(r['ratio'], 3), 6)} ` +
		`${pad(n(r['disarmedMppsPerCpu'], 3), 9)} ${pad(n(r['armedMppsPerCpu'], 3), 8)} ${pad(n(r['ratioPerCpu'], 3), 6)} ${pad(n(r['capturedPerS'], 0), 10)} ${pad(n(r['captureDroppedPerS'], 0), 12)}`);
}
console.log(`load average before ${loadBefore.map(x => x.toFixed(2)).join(' ')}, after ${loadAfter.map(x => x.toFixed(2)).join(' ')}`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ algorithm: 'rfc4106(gcm(aes)) 128', worker_cores: 1, seconds, repeat, loadBefore, loadAfter, results }, null, 2));
console.log(`written ${outFile}`);
