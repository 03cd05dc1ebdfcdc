// The netlink wire format (operator/netlink/wire.ts) with rtnetlink's typed decode error, and
// the attribute helpers rtnetlink uses: bad lengths are an RtnlDecodeError.
import { netlinkWire } from '../../netlink/wire.js';
import { NLMSG_HDRLEN, buildAttr } from '../../netlink/wire.js';
import type { NlHeader, RawAttr } from '../../netlink/wire.js';
import { RtnlDecodeError } from '../errors.js';

export { NLA_HDRLEN, NLMSG_HDRLEN, align4, buildAttr, buildMessage } from '../../netlink/wire.js';
export type { NlHeader, NlMessage, RawAttr } from '../../netlink/wire.js';

export const { splitMessages, walkAttrs, decodeError } = netlinkWire((what, reason) => new RtnlDecodeError(what, reason));

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
