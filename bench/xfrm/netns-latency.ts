// Runs inside a network namespace of the host (real kernel XFRM, no ESP — so policies only):
// event-to-installed latency of a policy (NEWPOLICY sent → the dataplane's SPD replaced with
// it) with an empty table and with N policies, without UML's system-call overhead. Prints JSON.
import { createLogger } from '../../operator/log/index.js';
import { netlinkKernel } from '../../operator/agent/xfrm-kernel.js';
import { XfrmMirror } from '../../operator/agent/xfrm-mirror.js';
import type { Direction, DpPolicy } from '../../operator/dataplane/types.js';
import { XfrmClient } from '../../operator/xfrm/client.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import type { XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { policyToXfrm } from '../../operator/xfrm/convert.js';
import { FakeDataplane } from '../../test/xfrm/fake-dataplane.js';

const N = Number(process.argv[2] ?? 10_000);
const EVENTS = Number(process.argv[3] ?? 300);
const net = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
const add = (i: number, prio: number): XfrmMessage => {
	const x = policyToXfrm({ dir: 'out', src: net(i), dst: '10.255.0.0/16', action: 'discard', priority: prio } satisfies DpPolicy);
	return { kind: 'policy', type: XFRM_MSG.NEWPOLICY, flags: 0x600, seq: 0, pid: 0, body: x.info, attrs: x.attrs };
};
const del = (i: number): XfrmMessage => {
	const x = policyToXfrm({ dir: 'out', src: net(i), dst: '10.255.0.0/16', action: 'discard' });
	return { kind: 'policyId', type: XFRM_MSG.DELPOLICY, flags: 0, seq: 0, pid: 0, body: { sel: x.info.sel, index: 0, dir: 1 }, attrs: [] };
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

const client = new XfrmClient();
const dp = new FakeDataplane();
let waiting: { src: string; resolve: (t: number) => void } | undefined;
const orig = dp.replacePolicies.bind(dp);
dp.replacePolicies = (dir: Direction, ps: DpPolicy[]) => {
	orig(dir, ps);
	if (waiting && ps.some(p => p.src === waiting!.src)) waiting.resolve(performance.now());
};
const kernel = netlinkKernel();
const mirror = new XfrmMirror({ dataplane: dp, kernel, log: createLogger('bench', { level: 'error', destination: process.stderr }), isLocal: () => false, resyncIntervalMs: 0 });
await mirror.start();

async function latency(base: number): Promise<number[]> {
	const lat: number[] = [];
	for (let i = 0; i < EVENTS; i++) {
		const done = new Promise<number>(resolve => { waiting = { src: net(base + i), resolve }; });
		const t0 = performance.now();
		await client.batch([add(base + i, 1)]);
		lat.push((await done) - t0);
		await client.batch([del(base + i)]);
		await mirror.settled();
	}
	return lat;
}

const small = await latency(0x800000);
const t = performance.now();
const errs = (await client.batch(Array.from({ length: N }, (_, i) => add(i, 100)))).filter(e => e).length;
await mirror.settled();
const fillMs = performance.now() - t;
const large = await latency(0x900000);
await mirror.stop();
kernel.close();
client.close();
console.log(JSON.stringify({ n: N, events: EVENTS, errs, fillAndMirrorMs: fillMs, installed: dp.spd.out.length, smallP50: pct(small, 50), smallP99: pct(small, 99), largeP50: pct(large, 50), largeP99: pct(large, 99) }));
