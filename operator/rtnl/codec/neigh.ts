// struct ndmsg (12 bytes) + NDA_DST / NDA_LLADDR: RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH.
// encodeNeighbor and decodeNeighbor are a pair: decode(encode(n)) deep-equals n.
import { RtnlDecodeError, need } from '../errors.js';
import { bytesToIp, bytesToMac, ipToBytes, macToBytes } from './address.js';
import { NDA_DST, NDA_LLADDR } from './constants.js';
import { buildAttr, buildMessage, walkAttrs } from './netlink.js';
import type { NlHeader, NlMessage } from './netlink.js';

const NDMSG_LEN = 12;

export interface Neighbor {
	family: number;
	ifindex: number;
	/** NUD_* bits */
	state: number;
	/** NTF_* bits */
	flags: number;
	/** ndm_type (RTN_*) */
	type: number;
	dst?: string;
	/** absent while unresolved (INCOMPLETE, FAILED) */
	lladdr?: string;
}

export function decodeNeighbor(msg: NlMessage): Neighbor {
	const p = msg.payload;
	need('ndmsg', p.length, 0, NDMSG_LEN);
	const n: Neighbor = {
		family: p.readUInt8(0),
		ifindex: p.readInt32LE(4),
		state: p.readUInt16LE(8),
		flags: p.readUInt8(10),
		type: p.readUInt8(11),
	};
	for (const a of walkAttrs(p, NDMSG_LEN)) {
		if (a.type === NDA_DST) n.dst = bytesToIp('NDA_DST', n.family, a.data);
		else if (a.type === NDA_LLADDR) {
			if (a.data.length === 0 || a.data.length > 32) throw new RtnlDecodeError('NDA_LLADDR', `${a.data.length} bytes`);
			n.lladdr = bytesToMac(a.data);
		}
	}
	return n;
}

export function encodeNeighbor(h: NlHeader, n: Neighbor): Buffer {
	const body = Buffer.alloc(NDMSG_LEN);
	body.writeUInt8(n.family, 0);
	body.writeInt32LE(n.ifindex, 4);
	body.writeUInt16LE(n.state, 8);
	body.writeUInt8(n.flags, 10);
	body.writeUInt8(n.type, 11);
	const attrs: Buffer[] = [];
	if (n.dst !== undefined) attrs.push(buildAttr(NDA_DST, ipToBytes(n.dst).bytes));
	if (n.lladdr !== undefined) attrs.push(buildAttr(NDA_LLADDR, macToBytes(n.lladdr)));
	return buildMessage(h, body, attrs);
}
