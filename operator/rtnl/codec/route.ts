// struct rtmsg (12 bytes) + RTA_DST / RTA_GATEWAY / RTA_OIF / RTA_TABLE / RTA_PRIORITY:
// RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE. encodeRoute and decodeRoute are a pair.
// RTA_TABLE (32-bit) wins over rtm_table (8-bit, RT_TABLE_COMPAT for ids above 255).
import { RtnlDecodeError, need } from '../errors.js';
import { addressLength, bytesToIp, ipToBytes } from './address.js';
import { RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY, RTA_TABLE } from './constants.js';
import { buildAttr, buildMessage, readU32Attr, u32Attr, walkAttrs } from './netlink.js';
import type { NlHeader, NlMessage } from './netlink.js';

const RTMSG_LEN = 12;

export interface Route {
	family: number;
	dstLen: number;
	srcLen: number;
	tos: number;
	/** RTA_TABLE when present, else rtm_table */
	table: number;
	protocol: number;
	scope: number;
	/** RTN_* */
	type: number;
	flags: number;
	/** absent for a default route (dstLen 0) */
	dst?: string;
	gateway?: string;
	oif?: number;
	priority?: number;
}

export function decodeRoute(msg: NlMessage): Route {
	const p = msg.payload;
	need('rtmsg', p.length, 0, RTMSG_LEN);
	const r: Route = {
		family: p.readUInt8(0),
		dstLen: p.readUInt8(1),
		srcLen: p.readUInt8(2),
		tos: p.readUInt8(3),
		table: p.readUInt8(4),
		protocol: p.readUInt8(5),
		scope: p.readUInt8(6),
		type: p.readUInt8(7),
		flags: p.readUInt32LE(8),
	};
	const alen = addressLength(r.family);
	if (alen > 0 && r.dstLen > alen * 8) throw new RtnlDecodeError('rtmsg', `prefix length ${r.dstLen} for family ${r.family}`);
	for (const a of walkAttrs(p, RTMSG_LEN)) {
		switch (a.type) {
			case RTA_DST: r.dst = bytesToIp('RTA_DST', r.family, a.data); break;
			case RTA_GATEWAY: r.gateway = bytesToIp('RTA_GATEWAY', r.family, a.data); break;
			case RTA_OIF: r.oif = readU32Attr('RTA_OIF', a); break;
			case RTA_PRIORITY: r.priority = readU32Attr('RTA_PRIORITY', a); break;
			case RTA_TABLE: r.table = readU32Attr('RTA_TABLE', a); break;
		}
	}
	return r;
}

export function encodeRoute(h: NlHeader, r: Route): Buffer {
	const body = Buffer.alloc(RTMSG_LEN);
	body.writeUInt8(r.family, 0);
	body.writeUInt8(r.dstLen, 1);
	body.writeUInt8(r.srcLen, 2);
	body.writeUInt8(r.tos, 3);
	body.writeUInt8(r.table < 256 ? r.table : 252 /* RT_TABLE_COMPAT */, 4);
	body.writeUInt8(r.protocol, 5);
	body.writeUInt8(r.scope, 6);
	body.writeUInt8(r.type, 7);
	body.writeUInt32LE(r.flags >>> 0, 8);
	const attrs: Buffer[] = [u32Attr(RTA_TABLE, r.table)];
	if (r.dst !== undefined) attrs.push(buildAttr(RTA_DST, ipToBytes(r.dst).bytes));
	if (r.gateway !== undefined) attrs.push(buildAttr(RTA_GATEWAY, ipToBytes(r.gateway).bytes));
	if (r.oif !== undefined) attrs.push(u32Attr(RTA_OIF, r.oif));
	if (r.priority !== undefined) attrs.push(u32Attr(RTA_PRIORITY, r.priority));
	return buildMessage(h, body, attrs);
}
