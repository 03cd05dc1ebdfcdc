// Runs inside a UML guest: fills the kernel with N SAs + N policies through netlink, starts
// the mirror (fake dataplane) and times the initial sync and its memory, then times single
// events from the kernel's notification to the dataplane's putSa, at a small and at the full
// table size. Writes $OUT/xfrm-bench.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../operator/log/index.js';
import { netlinkKernel } from '../../operator/agent/xfrm-kernel.js';
import { localAddressCheck } from '../../operator/agent/xfrm-local.js';
import { XfrmMirror } from '../../operator/agent/xfrm-mirror.js';
import type { DpPolicy, DpSa } from '../../operator/dataplane/types.js';
import { XfrmClient } from '../../operator/xfrm/client.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import type { XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { policyToXfrm, saToXfrm } from '../../operator/xfrm/convert.js';
import { FakeDataplane } from '../../test/xfrm/fake-dataplane.js';

const N = Number(process.env['XFRM_BENCH_N'] ?? 10_000);
const EVENTS = Number(process.env['XFRM_BENCH_EVENTS'] ?? 200);
const NLM_F_CREATE_EXCL = 0x400 | 0x200;
const key = `0x${'ab'.repeat(20)}` as const;

const sa = (spi: number, dir: 'in' | 'out', reqid: number): DpSa => ({
	spi: `0x${spi.toString(16)}`, dir, mode: 'tunnel', src: dir === 'out' ? '192.0.2.1' : '192.0.2.2', dst: dir === 'out' ? '192.0.2.2' : '192.0.2.1',
	aead: { name: 'rfc4106(gcm(aes))', key, icvBits: 128 }, replayWindow: 32, reqid,
});
function newSa(s: DpSa): XfrmMessage {
	const x = saToXfrm(s);
	// Kernel 6.1 predates XFRMA_SA_DIR.
	return { kind: 'sa', type: XFRM_MSG.NEWSA, flags: NLM_F_CREATE_EXCL, seq: 0, pid: 0, body: x.info, attrs: x.attrs.filter(a => a.kind !== 'saDir') };
}
function newPolicy(p: DpPolicy, reqid: number, fwd: boolean): XfrmMessage {
	const x = policyToXfrm(p, fwd ? { src: '192.0.2.2', dst: '192.0.2.1', reqid } : { src: '192.0.2.1', dst: '192.0.2.2', reqid });
	if (fwd) x.info.dir = 2;
	return { kind: 'policy', type: XFRM_MSG.NEWPOLICY, flags: NLM_F_CREATE_EXCL, seq: 0, pid: 0, body: x.info, attrs: x.attrs };
}
const delSa = (spi: number): XfrmMessage => ({
	kind: 'saId', type: XFRM_MSG.DELSA, flags: 0, seq: 0, pid: 0, body: { daddr: '192.0.2.2', spi, family: 2, proto: 50 }, attrs: [],
});
const subnet = (i: number, side: number) => `10.${side * 64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

/** n tunnels: an out and an in SA, an out and a fwd policy each */
async function fill(client: XfrmClient, from: number, n: number): Promise<number> {
	const msgs: XfrmMessage[] = [];
	for (let i = from; i < from + n; i++) {
		const reqid = i + 1;
		msgs.push(newSa(sa(0x100000 + 2 * i, 'out', reqid)), newSa(sa(0x100000 + 2 * i + 1, 'in', reqid)));
		msgs.push(newPolicy({ dir: 'out', src: subnet(i, 0), dst: subnet(i, 1), action: 'protect' }, reqid, false));
		msgs.push(newPolicy({ dir: 'in', src: subnet(i, 1), dst: subnet(i, 0), action: 'protect' }, reqid, true));
	}
	const errs = await client.batch(msgs);
	return errs.filter(e => e !== 0).length;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };

async function eventLatency(client: XfrmClient, dp: FakeDataplane, mirror: XfrmMirror, base: number): Promise<number[]> {
	const lat: number[] = [];
	const orig = dp.putSa.bind(dp);
	let waiting: { spi: string; resolve: (t: number) => void } | undefined;
	dp.putSa = (s: DpSa) => { orig(s); if (waiting && s.spi === waiting.spi) waiting.resolve(performance.now()); };
	for (let i = 0; i < EVENTS; i++) {
		const spi = base + i;
		const s = sa(spi, 'out', 1);
		const done = new Promise<number>(resolve => { waiting = { spi: s.spi, resolve }; });
		const t0 = performance.now();
		await client.batch([newSa(s)]);
		lat.push((await done) - t0);
		await client.batch([delSa(spi)]);
		await mirror.settled();
	}
	dp.putSa = orig;
	return lat;
}

const client = new XfrmClient();
const dp = new FakeDataplane();
const kernel = netlinkKernel();
const log = createLogger('xfrm-bench', { level: 'error', destination: process.stderr });
const result: Record<string, unknown> = { n: N, events: EVENTS };

// Small table: 5 tunnels.
let errs = await fill(client, 0, 5);
const mirror = new XfrmMirror({ dataplane: dp, kernel, log, isLocal: localAddressCheck(['192.0.2.1']), resyncIntervalMs: 0 });
await mirror.start();
const small = await eventLatency(client, dp, mirror, 0x7000000);
result['smallP50'] = pct(small, 50);
result['smallP99'] = pct(small, 99);
await mirror.stop();

// Full table: N SAs + N policies, then a fresh mirror's initial sync.
let t = performance.now();
errs += await fill(client, 5, N / 2 - 5);
result['kernelFillMs'] = performance.now() - t;
result['fillErrors'] = errs;
const dp2 = new FakeDataplane();
global.gc?.();
const mem0 = process.memoryUsage();
const mirror2 = new XfrmMirror({ dataplane: dp2, kernel, log, isLocal: localAddressCheck(['192.0.2.1']), resyncIntervalMs: 0 });
t = performance.now();
await mirror2.start();
result['syncMs'] = performance.now() - t;
result['syncDumpMs'] = mirror2.stats.lastDumpMs;
result['syncReconcileMs'] = mirror2.stats.lastReconcileMs;
result['syncKernelWriteMs'] = mirror2.stats.lastKernelWriteMs;
global.gc?.();
const mem1 = process.memoryUsage();
result['installedSas'] = dp2.sas.size;
result['installedPolicies'] = dp2.spd.in.length + dp2.spd.out.length;
result['rssMiB'] = mem1.rss / 2 ** 20;
result['heapDeltaMiB'] = (mem1.heapUsed - mem0.heapUsed) / 2 ** 20;
result['rssDeltaMiB'] = (mem1.rss - mem0.rss) / 2 ** 20;
const large = await eventLatency(client, dp2, mirror2, 0x7100000);
result['largeP50'] = pct(large, 50);
result['largeP99'] = pct(large, 99);
await mirror2.stop();
kernel.close();
client.close();
writeFileSync(join(process.env['OUT'] ?? '.', 'xfrm-bench.json'), JSON.stringify(result, null, 1));
console.log(JSON.stringify(result));
