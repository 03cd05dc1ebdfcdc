// The agent's own cost of an initial sync, without a kernel: the dump of N SAs and N
// policies as the kernel would send it (bytes), decoded and reconciled into the fake
// dataplane, in this process. Separates our CPU cost from UML's system-call overhead.
import { createLogger } from '../../operator/log/index.js';
import { XfrmMirror } from '../../operator/agent/xfrm-mirror.js';
import type { KernelSource } from '../../operator/agent/xfrm-kernel.js';
import type { DpPolicy, DpSa } from '../../operator/dataplane/types.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { decodeXfrm, encodeXfrm, type XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import { policyToXfrm, saToXfrm } from '../../operator/xfrm/convert.js';
import { FakeDataplane } from '../../test/xfrm/fake-dataplane.js';

const key = `0x${'ab'.repeat(20)}` as const;
const sa = (spi: number, dir: 'in' | 'out', reqid: number): DpSa => ({
	spi: `0x${spi.toString(16)}`, dir, mode: 'tunnel', src: dir === 'out' ? '192.0.2.1' : '192.0.2.2', dst: dir === 'out' ? '192.0.2.2' : '192.0.2.1',
	aead: { name: 'rfc4106(gcm(aes))', key, icvBits: 128 }, replayWindow: 32, reqid,
});
const subnet = (i: number, side: number) => `10.${side * 64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

function asDump(msgs: XfrmMessage[]): Buffer[] {
	// Datagrams of ~16 KiB, as the kernel fills its dump buffers.
	const out: Buffer[] = [];
	let cur: Buffer[] = [], size = 0;
	for (const m of msgs) {
		const b = encodeXfrm(m);
		if (size + b.length > 16384) { out.push(Buffer.concat(cur)); cur = []; size = 0; }
		cur.push(b);
		size += b.length;
	}
	if (cur.length) out.push(Buffer.concat(cur));
	return out;
}

export async function hostSync(n: number): Promise<{ syncMs: number; dumpMs: number; reconcileMs: number; heapMiB: number; cpuMs: number }> {
	const sas: XfrmMessage[] = [], pols: XfrmMessage[] = [];
	for (let i = 0; i < n / 2; i++) {
		for (const s of [sa(0x100000 + 2 * i, 'out', i + 1), sa(0x100000 + 2 * i + 1, 'in', i + 1)]) {
			const x = saToXfrm(s);
			sas.push({ kind: 'sa', type: XFRM_MSG.NEWSA, flags: 2, seq: 1, pid: 0, body: x.info, attrs: x.attrs.filter(a => a.kind !== 'saDir') });
		}
		const out = policyToXfrm({ dir: 'out', src: subnet(i, 0), dst: subnet(i, 1), action: 'protect' } satisfies DpPolicy, { src: '192.0.2.1', dst: '192.0.2.2', reqid: i + 1 });
		const fwd = policyToXfrm({ dir: 'in', src: subnet(i, 1), dst: subnet(i, 0), action: 'protect' }, { src: '192.0.2.2', dst: '192.0.2.1', reqid: i + 1 });
		out.info.index = 8 * i + 1;
		fwd.info.index = 8 * i + 2;
		fwd.info.dir = 2;
		for (const p of [out, fwd]) pols.push({ kind: 'policy', type: XFRM_MSG.NEWPOLICY, flags: 2, seq: 1, pid: 0, body: p.info, attrs: p.attrs });
	}
	const saBytes = asDump(sas), polBytes = asDump(pols);
	const kernel: KernelSource = {
		dump: async type => (type === XFRM_MSG.GETSA ? saBytes : polBytes).flatMap(d => splitMessages(d).map(decodeXfrm)),
		batch: async msgs => msgs.map(m => (encodeXfrm(m), 0)),
		subscribe: () => ({ stop: async () => {} }),
		close: () => {},
	};
	const log = createLogger('xfrm-bench', { level: 'error', destination: process.stderr });
	globalThis.gc?.();
	const heap0 = process.memoryUsage().heapUsed;
	const cpu0 = process.cpuUsage();
	const mirror = new XfrmMirror({ dataplane: new FakeDataplane(), kernel, log, isLocal: a => a === '192.0.2.1', resyncIntervalMs: 0 });
	const t = performance.now();
	await mirror.start();
	const syncMs = performance.now() - t;
	const cpu = process.cpuUsage(cpu0);
	globalThis.gc?.();
	const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
	await mirror.stop();
	return { syncMs, dumpMs: mirror.stats.lastDumpMs, reconcileMs: mirror.stats.lastReconcileMs, heapMiB, cpuMs: (cpu.user + cpu.system) / 1000 };
}

if (process.argv[1]?.endsWith('host-sync.ts')) console.log(await hostSync(Number(process.argv[2] ?? 20000)));
