// struct xfrm_user_tmpl (64 bytes): one entry of a policy's XFRMA_TMPL array — which SA
// (proto, reqid, tunnel endpoints) a protect policy needs.
import { formatAddress, writeAddress } from './address.js';
import { idCodec, type XfrmId } from './selector.js';
import type { StructCodec } from './struct.js';

export interface UserTmpl {
	id: XfrmId;
	family: number;
	saddr: string;
	reqid: number;
	mode: number;
	share: number;
	optional: number;
	aalgos: number;
	ealgos: number;
	calgos: number;
}

export const userTmplCodec: StructCodec<UserTmpl> = {
	name: 'xfrm_user_tmpl',
	size: 64,
	decode(b, off) {
		const family = b.readUInt16LE(off + 24);
		return {
			id: idCodec(family).decode(b, off),
			family,
			saddr: formatAddress(b, off + 28, family),
			reqid: b.readUInt32LE(off + 44),
			mode: b.readUInt8(off + 48),
			share: b.readUInt8(off + 49),
			optional: b.readUInt8(off + 50),
			aalgos: b.readUInt32LE(off + 52),
			ealgos: b.readUInt32LE(off + 56),
			calgos: b.readUInt32LE(off + 60),
		};
	},
	encode(v, b, off) {
		b.fill(0, off, off + 64);
		idCodec(v.family).encode(v.id, b, off);
		b.writeUInt16LE(v.family, off + 24);
		writeAddress(b, off + 28, v.saddr);
		b.writeUInt32LE(v.reqid, off + 44);
		b.writeUInt8(v.mode, off + 48);
		b.writeUInt8(v.share, off + 49);
		b.writeUInt8(v.optional, off + 50);
		b.writeUInt32LE(v.aalgos >>> 0, off + 52);
		b.writeUInt32LE(v.ealgos >>> 0, off + 56);
		b.writeUInt32LE(v.calgos >>> 0, off + 60);
	},
};
