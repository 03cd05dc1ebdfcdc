// struct xfrm_replay_state (12 bytes, XFRMA_REPLAY_VAL) and xfrm_replay_state_esn
// (24 bytes + bmp_len words, XFRMA_REPLAY_ESN_VAL): the outbound sequence number and the
// inbound anti-replay window the write-back keeps current.
import { XfrmDecodeError, need } from './errors.js';
import type { StructCodec } from './struct.js';

export interface ReplayState {
	oseq: number;
	seq: number;
	bitmap: number;
}

export const replayCodec: StructCodec<ReplayState> = {
	name: 'xfrm_replay_state',
	size: 12,
	decode: (b, off) => ({ oseq: b.readUInt32LE(off), seq: b.readUInt32LE(off + 4), bitmap: b.readUInt32LE(off + 8) }),
	encode(v, b, off) {
		b.writeUInt32LE(v.oseq >>> 0, off);
		b.writeUInt32LE(v.seq >>> 0, off + 4);
		b.writeUInt32LE(v.bitmap >>> 0, off + 8);
	},
};

export interface ReplayStateEsn {
	oseq: number;
	seq: number;
	oseqHi: number;
	seqHi: number;
	replayWindow: number;
	/** bmp_len 32-bit words */
	bmp: number[];
}

/** The kernel caps the ESN window at 4096 bytes of bitmap (XFRMA_REPLAY_ESN_MAX). */
const MAX_BMP_WORDS = 4096 / 4;

export function decodeReplayEsn(b: Buffer, off: number, len: number): ReplayStateEsn {
	const end = off + len;
	need('xfrm_replay_state_esn', end, off, 24);
	const bmpLen = b.readUInt32LE(off);
	if (bmpLen > MAX_BMP_WORDS) throw new XfrmDecodeError('xfrm_replay_state_esn', `bmp_len ${bmpLen} > ${MAX_BMP_WORDS}`);
	need('xfrm_replay_state_esn bitmap', end, off + 24, 4 * bmpLen);
	const bmp: number[] = [];
	for (let i = 0; i < bmpLen; i++) bmp.push(b.readUInt32LE(off + 24 + 4 * i));
	return {
		oseq: b.readUInt32LE(off + 4),
		seq: b.readUInt32LE(off + 8),
		oseqHi: b.readUInt32LE(off + 12),
		seqHi: b.readUInt32LE(off + 16),
		replayWindow: b.readUInt32LE(off + 20),
		bmp,
	};
}

export function encodeReplayEsn(v: ReplayStateEsn): Buffer {
	const b = Buffer.alloc(24 + 4 * v.bmp.length);
	b.writeUInt32LE(v.bmp.length, 0);
	b.writeUInt32LE(v.oseq >>> 0, 4);
	b.writeUInt32LE(v.seq >>> 0, 8);
	b.writeUInt32LE(v.oseqHi >>> 0, 12);
	b.writeUInt32LE(v.seqHi >>> 0, 16);
	b.writeUInt32LE(v.replayWindow >>> 0, 20);
	v.bmp.forEach((w, i) => b.writeUInt32LE(w >>> 0, 24 + 4 * i));
	return b;
}
