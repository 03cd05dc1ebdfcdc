// The agent's XFRM side as its own process, for tests in a UML guest (or a netns): the mirror
// and the write-back on the real kernel, with the fake dataplane. Driven by JSON lines on
// stdin, answers JSON lines on stdout:
//   {"cmd":"state"}                                   => {"state": {sas, spd, counters, unprogrammable, stats}}
//   {"cmd":"traffic","spi","dir","dst","packets","size"} => {"ok":true}
//   {"cmd":"writeback"}                               => {"ok":true, "written": n}
// First line out: {"ready":true, "ms": <start-to-synced time>}.
// DATAPLANE=koffi: the real dataplane (libesplane-dp through operator/dataplane/binding.ts)
// instead of the fake; "state" then reads SAs back through the binding (keys and counters).
import { createInterface } from 'node:readline';
import { createLogger } from '../../operator/log/index.js';
import { startXfrmAgent } from '../../operator/agent/xfrm-agent.js';
import { FakeDataplane } from './fake-dataplane.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import type { DataplaneControl } from '../../operator/dataplane/control.js';

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint32Array ? [...x] : x));
const say = (v: unknown) => process.stdout.write(json(v) + '\n');

const log = createLogger('guest-agent', { level: (process.env['AGENT_LOG'] as 'info' | undefined) ?? 'warn', destination: process.stderr });
const real = process.env['DATAPLANE'] === 'koffi'
	? KoffiDataplane.start({ eal: ['-l', '0', '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry', '--file-prefix', `espxf${process.pid}`], logPath: `/tmp/espxf-dp-${process.pid}.log` })
	: undefined;
const fake = real ? undefined : new FakeDataplane();
const dp: DataplaneControl = real ?? fake!;
const t0 = performance.now();
const lags: number[] = [];
const { mirror, writeback, stop } = await startXfrmAgent({ dataplane: dp, log, writebackIntervalMs: Number(process.env['WRITEBACK_MS'] ?? 1000), onSynced: s => lags.push(s), ...(process.env['EVENT_RCVBUF'] ? { eventRcvbuf: Number(process.env['EVENT_RCVBUF']) } : {}) });
say({ ready: true, ms: performance.now() - t0 });

for await (const line of createInterface({ input: process.stdin })) {
	if (!line.trim()) continue;
	const c = JSON.parse(line) as { cmd: string; spi?: string; dir?: 'in' | 'out'; dst?: string; packets?: number; size?: number };
	if (c.cmd === 'state') {
		await mirror.settled();
		say({ state: { lags: lags.length, sas: fake ? [...fake.sas.values()] : dp.listSas(), spd: fake?.spd, counters: dp.saCounters(), unprogrammable: mirror.unprogrammable(), stats: mirror.stats } });
	} else if (c.cmd === 'traffic') {
		if (!fake) throw new Error('traffic needs the fake dataplane');
		fake.traffic({ spi: c.spi as `0x${string}`, dir: c.dir ?? 'out', dst: c.dst ?? '' }, c.packets ?? 1, c.size ?? 100);
		say({ ok: true });
	} else if (c.cmd === 'writeback') {
		const before = writeback.stats.written;
		await writeback.round();
		say({ ok: true, written: writeback.stats.written - before });
	}
}
await stop();
real?.shutdown();
process.exit(0);
