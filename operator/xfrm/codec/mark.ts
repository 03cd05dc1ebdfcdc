// struct xfrm_mark (8 bytes): XFRMA_MARK / value and mask that scope an SA or policy.
import type { StructCodec } from './struct.js';

export interface XfrmMark {
	v: number;
	m: number;
}

export const markCodec: StructCodec<XfrmMark> = {
	name: 'xfrm_mark',
	size: 8,
	decode: (b, off) => ({ v: b.readUInt32LE(off), m: b.readUInt32LE(off + 4) }),
	encode(v, b, off) {
		b.writeUInt32LE(v.v >>> 0, off);
		b.writeUInt32LE(v.m >>> 0, off + 4);
	},
};
