// The netlink wire format every family shares: struct nlmsghdr (16 bytes) and struct nlattr
// (4 bytes, payload padded to 4). A receive buffer holds several messages; a message body is
// a fixed struct followed by attributes. Every read is bounds-checked. The families
// (operator/xfrm, operator/rtnl) each throw their own typed decode error, so the readers here
// are made by `netlinkWire(fail)` with the family's error constructor.

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff; // drops NLA_F_NESTED and NLA_F_NET_BYTEORDER

export const align4 = (n: number): number => (n + 3) & ~3;

export interface NlHeader {
	type: number;
	flags: number;
	seq: number;
	pid: number;
}

export interface NlMessage extends NlHeader {
	/** the bytes after the header, up to nlmsg_len (a view into the receive buffer) */
	payload: Buffer;
}

export interface RawAttr {
	type: number;
	/** the attribute payload (a view) */
	data: Buffer;
}

/** {header, body struct, encoded attributes} => one message; nlmsg_len as the kernel's nlmsg_end computes it (body padded to 4) */
export function buildMessage(h: NlHeader, body: Buffer, attrs: readonly Buffer[] = []): Buffer {
	const bodyLen = align4(body.length);
	const attrLen = attrs.reduce((n, a) => n + a.length, 0);
	const len = NLMSG_HDRLEN + bodyLen + attrLen;
	const b = Buffer.alloc(align4(len));
	b.writeUInt32LE(len, 0);
	b.writeUInt16LE(h.type, 4);
	b.writeUInt16LE(h.flags, 6);
	b.writeUInt32LE(h.seq >>> 0, 8);
	b.writeUInt32LE(h.pid >>> 0, 12);
	body.copy(b, NLMSG_HDRLEN);
	let off = NLMSG_HDRLEN + bodyLen;
	for (const a of attrs) {
		a.copy(b, off);
		off += a.length;
	}
	return b;
}

/** {type, payload} => one attribute, padded to 4 bytes */
export function buildAttr(type: number, data: Buffer): Buffer {
	const b = Buffer.alloc(align4(NLA_HDRLEN + data.length));
	b.writeUInt16LE(NLA_HDRLEN + data.length, 0);
	b.writeUInt16LE(type, 2);
	data.copy(b, NLA_HDRLEN);
	return b;
}

/** A copy of b[start, end) in its own memory (Buffer.from on a view copies byte by byte). */
export function copyOf(b: Buffer, start = 0, end = b.length): Buffer {
	const out = Buffer.alloc(end - start);
	b.copy(out, 0, start, end);
	return out;
}

/** {what was being decoded, why it is bad} => the family's typed decode error */
export type DecodeFailure = (what: string, reason: string) => Error;

export interface NetlinkReaders {
	/** {receive buffer} => its netlink messages, in order; trailing bytes are an error */
	splitMessages(buf: Buffer): NlMessage[];
	/** {bytes, first attribute, end} => the attributes in order, flag bits masked off the type */
	walkAttrs(b: Buffer, off: number, end?: number): RawAttr[];
	/** struct nlmsgerr: the errno as the kernel sends it (negative; 0 is an ACK) */
	decodeError(payload: Buffer): number;
}

export function netlinkWire(fail: DecodeFailure): NetlinkReaders {
	return {
		splitMessages(buf) {
			const out: NlMessage[] = [];
			let off = 0;
			while (off < buf.length) {
				if (buf.length - off < NLMSG_HDRLEN) throw fail('nlmsghdr', `${buf.length - off} trailing bytes at offset ${off}`);
				const len = buf.readUInt32LE(off);
				if (len < NLMSG_HDRLEN || len > buf.length - off) {
					throw fail('nlmsghdr', `nlmsg_len ${len} at offset ${off} outside the ${buf.length}-byte buffer`);
				}
				out.push({
					type: buf.readUInt16LE(off + 4),
					flags: buf.readUInt16LE(off + 6),
					seq: buf.readUInt32LE(off + 8),
					pid: buf.readUInt32LE(off + 12),
					payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
				});
				// the last message of a buffer may omit its padding
				off += Math.min(align4(len), buf.length - off);
			}
			return out;
		},
		walkAttrs(b, off, end = b.length) {
			const out: RawAttr[] = [];
			while (off < end) {
				if (end - off < NLA_HDRLEN) throw fail('nlattr', `${end - off} trailing bytes at offset ${off}`);
				const len = b.readUInt16LE(off);
				const type = b.readUInt16LE(off + 2) & NLA_TYPE_MASK;
				if (len < NLA_HDRLEN || len > end - off) {
					throw fail('nlattr', `nla_len ${len} of attribute ${type} at offset ${off} outside the ${end}-byte message`);
				}
				out.push({ type, data: b.subarray(off + NLA_HDRLEN, off + len) });
				off += Math.min(align4(len), end - off);
			}
			return out;
		},
		decodeError(payload) {
			if (payload.length < 4) throw fail('nlmsgerr', `needs 4 bytes, have ${payload.length}`);
			return payload.readInt32LE(0);
		},
	};
}
