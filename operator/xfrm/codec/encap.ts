// struct xfrm_encap_tmpl (24 bytes): NAT-T UDP encapsulation of an SA.
import { AF_INET6 } from './constants.js';
import { formatAddress, writeAddress } from './address.js';
import type { StructCodec } from './struct.js';

export interface EncapTmpl {
	type: number;
	/** host order */
	sport: number;
	dport: number;
	/** original address before NAT; the struct has no family, "" when zero */
	oa: string;
}

export const encapCodec: StructCodec<EncapTmpl> = {
	name: 'xfrm_encap_tmpl',
	size: 24,
	decode(b, off) {
		// oa carries no family; IPv4 addresses have 12 zero bytes after them.
		const v6 = b.subarray(off + 12, off + 24).some(x => x !== 0);
		const zero = !b.subarray(off + 8, off + 24).some(x => x !== 0);
		return {
			type: b.readUInt16LE(off),
			sport: b.readUInt16BE(off + 2),
			dport: b.readUInt16BE(off + 4),
			oa: zero ? '' : formatAddress(b, off + 8, v6 ? AF_INET6 : 2),
		};
	},
	encode(v, b, off) {
		b.fill(0, off, off + 24);
		b.writeUInt16LE(v.type, off);
		b.writeUInt16BE(v.sport, off + 2);
		b.writeUInt16BE(v.dport, off + 4);
		writeAddress(b, off + 8, v.oa);
	},
};
