// XFRM_MSG_NEWAE, the one message the agent writes: the dataplane's counters, last use and
// sequence/replay state into a kernel SA, so charon's lifetimes, rekeys, DPD/inactivity
// checks and `ip -s xfrm state` see the traffic the kernel never saw.
// The kernel (xfrm_new_ae) needs NLM_F_REPLACE, looks the SA up by (daddr, spi, proto,
// family, mark), and accepts an ESN replay state only with the SA's own bmp_len and window.
import type { XfrmAttr } from '../codec/attributes.js';
import { attr } from '../codec/attributes.js';
import { IPPROTO_ESP, NLM_F_REPLACE, XFRM_AE_LVAL, XFRM_AE_RVAL, XFRM_MSG } from '../codec/constants.js';
import type { XfrmMessage } from '../codec/message.js';
import type { XfrmSa } from '../convert.js';

export interface AeValues {
	dir: 'in' | 'out';
	bytes: bigint;
	packets: bigint;
	/** unix seconds, 0 when never used */
	useTime: bigint;
	/** outbound: last sequence number sent; inbound: highest accepted */
	seq: bigint;
	/** inbound replay bitmap, bit 0 = seq (32-bit words, as many as the SA has) */
	bitmap?: Uint32Array;
}

/**
 * The dataplane's window (bit i = top - i) as the kernel's ESN/bitmap-mode window, which is
 * circular: sequence number s lives at bit (s - 1) mod window (xfrm_replay_check_esn).
 */
export function circularBitmap(top: bigint, window: number, words: number, linear: Uint32Array | undefined): number[] {
	const bmp = new Array<number>(words).fill(0);
	if (!linear || window === 0 || top === 0n) return bmp;
	const base = Number((top - 1n) % BigInt(window));
	const n = Math.min(window, linear.length * 32, Number(top < BigInt(window) ? top : BigInt(window)));
	for (let i = 0; i < n; i++) {
		if (!(((linear[i >> 5] ?? 0) >>> (i & 31)) & 1)) continue;
		const pos = (base - i + window) % window;
		if (pos >> 5 < words) bmp[pos >> 5] = ((bmp[pos >> 5] ?? 0) | (1 << (pos & 31))) >>> 0;
	}
	return bmp;
}

/** {kernel SA, dataplane values} => the NEWAE request that writes them back */
export function buildNewAe(sa: XfrmSa, v: AeValues): XfrmMessage {
	const { info } = sa;
	const lo = Number(v.seq & 0xffffffffn), hi = Number((v.seq >> 32n) & 0xffffffffn);
	const out = v.dir === 'out';
	const attrs: XfrmAttr[] = [];
	const esn = attr(sa.attrs, 'replayEsn');
	const plain = attr(sa.attrs, 'replay');
	if (esn) {
		const bmp = out ? esn.bmp : circularBitmap(v.seq, esn.replayWindow, esn.bmp.length, v.bitmap);
		attrs.push({ kind: 'replayEsn', value: {
			oseq: out ? lo : esn.oseq, oseqHi: out ? hi : esn.oseqHi,
			seq: out ? esn.seq : lo, seqHi: out ? esn.seqHi : hi,
			replayWindow: esn.replayWindow, bmp,
		} });
	} else {
		attrs.push({ kind: 'replay', value: {
			oseq: out ? lo : (plain?.oseq ?? 0),
			seq: out ? (plain?.seq ?? 0) : lo,
			bitmap: out ? (plain?.bitmap ?? 0) : (v.bitmap?.[0] ?? 0),
		} });
	}
	// add_time is overwritten too, so send the kernel's own: it drives the time lifetimes.
	attrs.push({ kind: 'ltime', value: { bytes: v.bytes, packets: v.packets, addTime: info.curlft.addTime, useTime: v.useTime } });
	const mark = attr(sa.attrs, 'mark');
	if (mark) attrs.push({ kind: 'mark', value: mark });
	return {
		kind: 'aevent', type: XFRM_MSG.NEWAE, flags: NLM_F_REPLACE, seq: 0, pid: 0,
		body: {
			saId: { daddr: info.id.daddr, spi: info.id.spi, family: info.family, proto: IPPROTO_ESP },
			saddr: info.saddr, flags: XFRM_AE_RVAL | XFRM_AE_LVAL, reqid: info.reqid,
		},
		attrs,
	};
}

/** {kernel SA, hard?} => the EXPIRE request that tells charon a byte/packet limit was reached */
export function buildExpire(sa: XfrmSa, hard: boolean): XfrmMessage {
	const mark = attr(sa.attrs, 'mark');
	return {
		kind: 'expire', type: XFRM_MSG.EXPIRE, flags: 0, seq: 0, pid: 0,
		body: { state: sa.info, hard: hard ? 1 : 0 },
		attrs: mark ? [{ kind: 'mark', value: mark }] : [],
	};
}
