// struct nlmsghdr (16 bytes) and struct nlattr (4 bytes, payload padded to 4). A receive
// buffer holds several messages; a message body is a fixed struct followed by attributes.
// Every read is bounds-checked: bad lengths are an RtnlDecodeError.
import { RtnlDecodeError, need } from '../errors.js';

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

/** {receive buffer} => its netlink messages, in order */
export function splitMessages(buf: Buffer): NlMessage[] {
	const out: NlMessage[] = [];
	let off = 0;
	while (off < buf.length) {
		if (buf.length - off < NLMSG_HDRLEN) throw new RtnlDecodeError('nlmsghdr', `${buf.length - off} trailing bytes at offset ${off}`);
		const len = buf.readUInt32LE(off);
		if (len < NLMSG_HDRLEN || len > buf.length - off) {
			throw new RtnlDecodeError('nlmsghdr', `nlmsg_len ${len} at offset ${off} outside the ${buf.length}-byte buffer`);
		}
		out.push({
			type: buf.readUInt16LE(off + 4),
			flags: buf.readUInt16LE(off + 6),
			seq: buf.readUInt32LE(off + 8),
			pid: buf.readUInt32LE(off + 12),
			payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
		});
		off += Math.min(align4(len), buf.length - off);
	}
	return out;
}

/** {header, fixed body struct, encoded attributes} => one message, nlmsg_len set */
export function buildMessage(h: NlHeader, body: Buffer, attrs: readonly Buffer[] = []): Buffer {
	const bodyLen = align4(body.length);
	const len = NLMSG_HDRLEN + bodyLen + attrs.reduce((n, a) => n + a.length, 0);
	const b = Buffer.alloc(len);
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

export interface RawAttr {
	type: number;
	/** the attribute payload (a view) */
	data: Buffer;
}

/** {message payload, offset of the first attribute} => the attributes in order */
export function walkAttrs(b: Buffer, off: number): RawAttr[] {
	const out: RawAttr[] = [];
	while (off < b.length) {
		if (b.length - off < NLA_HDRLEN) throw new RtnlDecodeError('nlattr', `${b.length - off} trailing bytes at offset ${off}`);
		const len = b.readUInt16LE(off);
		const type = b.readUInt16LE(off + 2) & NLA_TYPE_MASK;
		if (len < NLA_HDRLEN || len > b.length - off) {
			throw new RtnlDecodeError('nlattr', `nla_len ${len} of attribute ${type} at offset ${off} outside the ${b.length}-byte message`);
		}
		out.push({ type, data: b.subarray(off + NLA_HDRLEN, off + len) });
		off += Math.min(align4(len), b.length - off);
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

export function u32Attr(type: number, v: number): Buffer {
	const d = Buffer.alloc(4);
	d.writeUInt32LE(v >>> 0, 0);
	return buildAttr(type, d);
}

export function readU32Attr(what: string, a: RawAttr): number {
	if (a.data.length !== 4) throw new RtnlDecodeError(what, `expected 4 bytes, have ${a.data.length}`);
	return a.data.readUInt32LE(0);
}

export function stringAttr(type: number, s: string): Buffer {
	return buildAttr(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]));
}

export function readStringAttr(what: string, a: RawAttr): string {
	const nul = a.data.indexOf(0);
	if (nul < 0) throw new RtnlDecodeError(what, 'string without a terminating NUL');
	return a.data.subarray(0, nul).toString('utf8');
}

/** struct nlmsgerr: the errno as the kernel sends it (negative; 0 is an ACK) */
export function decodeError(payload: Buffer): number {
	need('nlmsgerr', payload.length, 0, 4);
	return payload.readInt32LE(0);
}

/** {errno (negative or 0), the request's header} => an NLMSG_ERROR payload (capped: no request body) */
export function encodeError(error: number, req: NlHeader): Buffer {
	const b = Buffer.alloc(4 + NLMSG_HDRLEN);
	b.writeInt32LE(error, 0);
	b.writeUInt32LE(NLMSG_HDRLEN, 4);
	b.writeUInt16LE(req.type, 8);
	b.writeUInt16LE(req.flags, 10);
	b.writeUInt32LE(req.seq >>> 0, 12);
	b.writeUInt32LE(req.pid >>> 0, 16);
	return b;
}
