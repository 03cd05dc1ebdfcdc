// struct ifinfomsg (16 bytes) + IFLA_IFNAME / IFLA_ADDRESS: RTM_NEWLINK, RTM_DELLINK,
// RTM_GETLINK. Only what maps an ifindex to its name (the exception TAP is found by name,
// and gets a new ifindex whenever the dataplane recreates it).
import { need } from '../errors.js';
import { bytesToMac, macToBytes } from './address.js';
import { IFLA_ADDRESS, IFLA_IFNAME } from './constants.js';
import { buildAttr, buildMessage, readStringAttr, stringAttr, walkAttrs } from './netlink.js';
import type { NlHeader, NlMessage } from './netlink.js';

const IFINFOMSG_LEN = 16;

export interface Link {
	family: number;
	/** ARPHRD_* */
	type: number;
	index: number;
	/** IFF_* */
	flags: number;
	change: number;
	name?: string;
	address?: string;
}

export function decodeLink(msg: NlMessage): Link {
	const p = msg.payload;
	need('ifinfomsg', p.length, 0, IFINFOMSG_LEN);
	const l: Link = {
		family: p.readUInt8(0),
		type: p.readUInt16LE(2),
		index: p.readInt32LE(4),
		flags: p.readUInt32LE(8),
		change: p.readUInt32LE(12),
	};
	for (const a of walkAttrs(p, IFINFOMSG_LEN)) {
		if (a.type === IFLA_IFNAME) l.name = readStringAttr('IFLA_IFNAME', a);
		else if (a.type === IFLA_ADDRESS) l.address = bytesToMac(a.data);
	}
	return l;
}

export function encodeLink(h: NlHeader, l: Link): Buffer {
	const body = Buffer.alloc(IFINFOMSG_LEN);
	body.writeUInt8(l.family, 0);
	body.writeUInt16LE(l.type, 2);
	body.writeInt32LE(l.index, 4);
	body.writeUInt32LE(l.flags >>> 0, 8);
	body.writeUInt32LE(l.change >>> 0, 12);
	const attrs: Buffer[] = [];
	if (l.name !== undefined) attrs.push(stringAttr(IFLA_IFNAME, l.name));
	if (l.address !== undefined) attrs.push(buildAttr(IFLA_ADDRESS, macToBytes(l.address)));
	return buildMessage(h, body, attrs);
}
