// What one SA put and one SPD replace cost the caller while a worker polls, with the worker
// on a CPU of its own and on the caller's own CPU (as in a one-CPU guest). Each change waits
// for the workers to pass a quiescent point before freeing the old table (RCU): a worker on
// the caller's CPU runs only once the caller gives the CPU up. The process runs under
// `taskset -c 0` (the .bench.ts starts it so), the worker on CPU 0 or 1, kept polling
// (ESPLANE_DP_IDLE_NAP=0).
// Usage: taskset -c 0 node --import tsx bench/dataplane/table-changes.ts --lcores 0@0,1@0 [--reps N] [--out FILE.json]
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import type { DpPolicy, DpSa } from '../../operator/dataplane/types.js';
import { opt } from './esp-setup.js';

const lcores = opt('--lcores', '0@0,1@0');
const reps = Number(opt('--reps', '50'));
const outFile = opt('--out', join(tmpdir(), 'table-changes.json'));
process.env['ESPLANE_DP_IDLE_NAP'] = '0';

const dp = KoffiDataplane.start({
	eal: [`--lcores=${lcores}`, '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry', '--file-prefix', `espdptc${process.pid}`,
		'--vdev', 'net_null0,no-rx=1', '--vdev', 'net_null1,no-rx=1'],
	logPath: join(tmpdir(), `table-changes-${process.pid}.log`),
});
dp.addPort({ name: 'wan', port: 0, role: 'wan' });
dp.addPort({ name: 'lan', port: 1, role: 'lan' });
dp.run();

const policies = (n: number): DpPolicy[] => Array.from({ length: n }, (_, i) => ({
	dir: 'out', src: `10.1.${i >> 8}.${i & 255}/32`, dst: `10.2.${i >> 8}.${i & 255}/32`, action: 'protect', reqid: i + 1, priority: 1000 + i,
}));
const sa = (i: number): DpSa => ({
	spi: `0x${(0x1000 + i).toString(16)}`, dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2',
	aead: { name: 'rfc4106(gcm(aes))', key: `0x${'11'.repeat(20)}`, icvBits: 128 },
});
/** {operation} => its p50 and p90 in ms over `reps` calls */
function time(f: (i: number) => void): { p50: number; p90: number } {
	const ms: number[] = [];
	for (let i = 0; i < reps; i++) {
		const t = performance.now();
		f(i);
		ms.push(performance.now() - t);
	}
	ms.sort((a, b) => a - b);
	return { p50: ms[Math.floor(reps * 0.5)]!, p90: ms[Math.floor(reps * 0.9)]! };
}
const results = [
	{ op: 'SA put (new SA)', ...time(i => dp.putSa(sa(i))) },
	{ op: 'SPD replace, 1 policy', ...time(() => dp.replacePolicies('out', policies(1))) },
	{ op: 'SPD replace, 100 policies', ...time(() => dp.replacePolicies('out', policies(100))) },
];
dp.shutdown();
writeFileSync(outFile, JSON.stringify({ lcores, reps, results }, null, 2));
