// struct xfrm_selector (56 bytes) and struct xfrm_id (24 bytes).
import { formatAddress, writeAddress } from './address.js';
import type { StructCodec } from './struct.js';

export interface XfrmSelector {
	daddr: string;
	saddr: string;
	/** ports and masks in host order (network order on the wire) */
	dport: number;
	dportMask: number;
	sport: number;
	sportMask: number;
	family: number;
	prefixlenD: number;
	prefixlenS: number;
	proto: number;
	ifindex: number;
	user: number;
}

export const selectorCodec: StructCodec<XfrmSelector> = {
	name: 'xfrm_selector',
	size: 56,
	decode(b, off) {
		const family = b.readUInt16LE(off + 40);
		return {
			daddr: formatAddress(b, off, family),
			saddr: formatAddress(b, off + 16, family),
			dport: b.readUInt16BE(off + 32),
			dportMask: b.readUInt16BE(off + 34),
			sport: b.readUInt16BE(off + 36),
			sportMask: b.readUInt16BE(off + 38),
			family,
			prefixlenD: b.readUInt8(off + 42),
			prefixlenS: b.readUInt8(off + 43),
			proto: b.readUInt8(off + 44),
			ifindex: b.readInt32LE(off + 48),
			user: b.readUInt32LE(off + 52),
		};
	},
	encode(v, b, off) {
		b.fill(0, off, off + 56);
		writeAddress(b, off, v.daddr);
		writeAddress(b, off + 16, v.saddr);
		b.writeUInt16BE(v.dport, off + 32);
		b.writeUInt16BE(v.dportMask, off + 34);
		b.writeUInt16BE(v.sport, off + 36);
		b.writeUInt16BE(v.sportMask, off + 38);
		b.writeUInt16LE(v.family, off + 40);
		b.writeUInt8(v.prefixlenD, off + 42);
		b.writeUInt8(v.prefixlenS, off + 43);
		b.writeUInt8(v.proto, off + 44);
		b.writeInt32LE(v.ifindex, off + 48);
		b.writeUInt32LE(v.user, off + 52);
	},
};

export interface XfrmId {
	daddr: string;
	/** host order (network order on the wire) */
	spi: number;
	proto: number;
}

const idCodecs = new Map<number, StructCodec<XfrmId>>();

/** xfrm_id carries no family: the containing struct's family decides how daddr reads. */
export function idCodec(family: number): StructCodec<XfrmId> {
	let c = idCodecs.get(family);
	if (!c) {
		c = makeIdCodec(family);
		// Families the kernel never sends (a fuzzer may) are not cached.
		if (family === 2 || family === 10 || family === 0) idCodecs.set(family, c);
	}
	return c;
}

function makeIdCodec(family: number): StructCodec<XfrmId> {
	return {
		name: 'xfrm_id',
		size: 24,
		decode: (b, off) => ({ daddr: formatAddress(b, off, family), spi: b.readUInt32BE(off + 16), proto: b.readUInt8(off + 20) }),
		encode(v, b, off) {
			b.fill(0, off, off + 24);
			writeAddress(b, off, v.daddr);
			b.writeUInt32BE(v.spi >>> 0, off + 16);
			b.writeUInt8(v.proto, off + 20);
		},
	};
}
