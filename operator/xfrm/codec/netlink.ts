// struct nlmsghdr (16 bytes) and the attribute walk (struct nlattr, 4-byte aligned).
// A receive buffer holds several messages; a message body is a fixed struct followed by
// attributes. Everything is bounds-checked: bad lengths are an XfrmDecodeError.
import { XfrmDecodeError } from './errors.js';

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;

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

/** {receive buffer} => its netlink messages, in order */
export function splitMessages(buf: Buffer): NlMessage[] {
	const out: NlMessage[] = [];
	let off = 0;
	while (off + NLMSG_HDRLEN <= buf.length) {
		const len = buf.readUInt32LE(off);
		if (len < NLMSG_HDRLEN || off + len > buf.length) {
			throw new XfrmDecodeError('nlmsghdr', `nlmsg_len ${len} at offset ${off} outside the ${buf.length}-byte buffer`);
		}
		out.push({
			type: buf.readUInt16LE(off + 4),
			flags: buf.readUInt16LE(off + 6),
			seq: buf.readUInt32LE(off + 8),
			pid: buf.readUInt32LE(off + 12),
			payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
		});
		off += align4(len);
	}
	if (off < buf.length && buf.length - off >= NLMSG_HDRLEN) {
		throw new XfrmDecodeError('nlmsghdr', `${buf.length - off} trailing bytes`);
	}
	return out;
}

/** {header, body struct, encoded attributes} => one message; len as the kernel's nlmsg_end computes it (body padded to 4) */
export function buildMessage(h: NlHeader, body: Buffer, attrs: Buffer[]): Buffer {
	const bodyLen = align4(body.length);
	const attrLen = attrs.reduce((n, a) => n + a.length, 0);
	const b = Buffer.alloc(align4(NLMSG_HDRLEN + bodyLen + attrLen));
	const len = NLMSG_HDRLEN + bodyLen + attrLen;
	b.writeUInt32LE(len, 0);
	b.writeUInt16LE(h.type, 4);
	b.writeUInt16LE(h.flags, 6);
	b.writeUInt32LE(h.seq >>> 0, 8);
	b.writeUInt32LE(h.pid >>> 0, 12);
	body.copy(b, NLMSG_HDRLEN);
	let off = NLMSG_HDRLEN + bodyLen;
	for (const a of attrs) { a.copy(b, off); off += a.length; }
	return b.subarray(0, align4(len));
}

export interface RawAttr {
	type: number;
	/** the attribute payload (a view) */
	data: Buffer;
}

/** {bytes} => the attributes in order; the nested/byte-order flag bits are masked off the type */
export function walkAttrs(b: Buffer, off: number, end: number): RawAttr[] {
	const out: RawAttr[] = [];
	while (off + NLA_HDRLEN <= end) {
		const len = b.readUInt16LE(off);
		const type = b.readUInt16LE(off + 2) & 0x3fff;
		if (len < NLA_HDRLEN || off + len > end) {
			throw new XfrmDecodeError('nlattr', `nla_len ${len} of attribute ${type} at offset ${off} outside the ${end}-byte message`);
		}
		out.push({ type, data: b.subarray(off + NLA_HDRLEN, off + len) });
		off += align4(len);
	}
	return out;
}

/** {type, payload} => one attribute, padded to 4 bytes */
export function buildAttr(type: number, data: Buffer): Buffer {
	const b = Buffer.alloc(align4(NLA_HDRLEN + data.length));
	b.writeUInt16LE(NLA_HDRLEN + data.length, 0);
	b.writeUInt16LE(type, 2);
	data.copy(b, NLA_HDRLEN);
	return b;
}

/** struct nlmsgerr: the (negative) errno; 0 is an ACK */
export function decodeError(payload: Buffer): number {
	if (payload.length < 4) throw new XfrmDecodeError('nlmsgerr', `${payload.length} bytes`);
	return payload.readInt32LE(0);
}

/** A copy of b[start, end) in its own memory (Buffer.from on a view copies byte by byte). */
export function copyOf(b: Buffer, start = 0, end = b.length): Buffer {
	const out = Buffer.alloc(end - start);
	b.copy(out, 0, start, end);
	return out;
}
