// A mirror wired to a fake kernel and a fake dataplane, with its log lines captured.
import { createLogger } from '../../operator/log/index.js';
import { XfrmMirror, type XfrmMirrorOptions } from '../../operator/agent/xfrm-mirror.js';
import { XfrmWriteback } from '../../operator/agent/writeback.js';
import type { DpPolicy, DpSa } from '../../operator/dataplane/types.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import type { XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { policyToXfrm, saToXfrm, type SaExtras } from '../../operator/xfrm/convert.js';
import { FakeDataplane } from './fake-dataplane.js';
import { FakeKernel } from './fake-kernel.js';

export interface Harness {
	kernel: FakeKernel;
	dp: FakeDataplane;
	mirror: XfrmMirror;
	writeback: XfrmWriteback;
	logs: Array<Record<string, unknown>>;
}

export function harness(opts: Partial<XfrmMirrorOptions> & { local?: string[] } = {}): Harness {
	const logs: Array<Record<string, unknown>> = [];
	const log = createLogger('xfrm-test', { level: 'debug', destination: { write: (s: string) => { logs.push(JSON.parse(s) as Record<string, unknown>); } } });
	const kernel = new FakeKernel();
	const dp = new FakeDataplane();
	const local = new Set(opts.local ?? ['192.0.2.1', '2001:db8::1']);
	const mirror = new XfrmMirror({ dataplane: dp, kernel, log, isLocal: a => local.has(a), resyncIntervalMs: 0, ...opts });
	const writeback = new XfrmWriteback({ mirror, dataplane: dp, kernel, log });
	return { kernel, dp, mirror, writeback, logs };
}

let index = 8;

/** A NEWSA-type message for this SA, as the kernel would send it. */
export function saMsg(sa: DpSa, o: { addTime?: bigint; type?: number; extras?: SaExtras } = {}): XfrmMessage {
	const x = saToXfrm(sa, o.extras);
	x.info.curlft.addTime = o.addTime ?? 1_700_000_000n;
	// Kernels before 6.10 have no SA direction attribute: drop it so direction comes from the address.
	return { kind: 'sa', type: o.type ?? XFRM_MSG.NEWSA, flags: 0, seq: 0, pid: 0, body: x.info, attrs: x.attrs.filter(a => a.kind !== 'saDir') };
}

export function policyMsg(p: DpPolicy, tmpl?: { src: string; dst: string; reqid: number }): XfrmMessage {
	const x = policyToXfrm(p, tmpl);
	x.info.index = (index += 8) + (p.dir === 'out' ? 1 : 0);
	return { kind: 'policy', type: XFRM_MSG.NEWPOLICY, flags: 0, seq: 0, pid: 0, body: x.info, attrs: x.attrs };
}

export function delSaMsg(m: XfrmMessage): XfrmMessage {
	if (m.kind !== 'sa') throw new Error('not an SA');
	return {
		kind: 'saId', type: XFRM_MSG.DELSA, flags: 0, seq: 0, pid: 0,
		body: { daddr: m.body.id.daddr, spi: m.body.id.spi, family: m.body.family, proto: m.body.id.proto },
		attrs: [{ kind: 'sa', value: m.body }, ...m.attrs],
	};
}

export const gcmKey = `0x${'ab'.repeat(20)}` as const;

export function outSa(spi: string, reqid = 1, extra: Partial<DpSa> = {}): DpSa {
	return { spi: spi as DpSa['spi'], dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', aead: { name: 'rfc4106(gcm(aes))', key: gcmKey, icvBits: 128 }, replayWindow: 32, esn: false, reqid, ...extra };
}

export function inSa(spi: string, reqid = 1, extra: Partial<DpSa> = {}): DpSa {
	return { ...outSa(spi, reqid), dir: 'in', src: '192.0.2.2', dst: '192.0.2.1', ...extra };
}
