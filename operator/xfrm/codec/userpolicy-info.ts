// struct xfrm_userpolicy_info (168 bytes, NEWPOLICY/UPDPOLICY and dumps),
// xfrm_userpolicy_id (64, DELPOLICY), xfrm_user_polexpire (176, POLEXPIRE).
import { lifetimeCfgCodec, lifetimeCurCodec, type LifetimeCfg, type LifetimeCur } from './lifetimes.js';
import { selectorCodec, type XfrmSelector } from './selector.js';
import type { StructCodec } from './struct.js';

export interface UserpolicyInfo {
	sel: XfrmSelector;
	lft: LifetimeCfg;
	curlft: LifetimeCur;
	priority: number;
	index: number;
	dir: number;
	action: number;
	flags: number;
	share: number;
}

export const userpolicyInfoCodec: StructCodec<UserpolicyInfo> = {
	name: 'xfrm_userpolicy_info',
	size: 168,
	decode: (b, off) => ({
		sel: selectorCodec.decode(b, off),
		lft: lifetimeCfgCodec.decode(b, off + 56),
		curlft: lifetimeCurCodec.decode(b, off + 120),
		priority: b.readUInt32LE(off + 152),
		index: b.readUInt32LE(off + 156),
		dir: b.readUInt8(off + 160),
		action: b.readUInt8(off + 161),
		flags: b.readUInt8(off + 162),
		share: b.readUInt8(off + 163),
	}),
	encode(v, b, off) {
		b.fill(0, off, off + 168);
		selectorCodec.encode(v.sel, b, off);
		lifetimeCfgCodec.encode(v.lft, b, off + 56);
		lifetimeCurCodec.encode(v.curlft, b, off + 120);
		b.writeUInt32LE(v.priority, off + 152);
		b.writeUInt32LE(v.index, off + 156);
		b.writeUInt8(v.dir, off + 160);
		b.writeUInt8(v.action, off + 161);
		b.writeUInt8(v.flags, off + 162);
		b.writeUInt8(v.share, off + 163);
	},
};

export interface UserpolicyId {
	sel: XfrmSelector;
	index: number;
	dir: number;
}

export const userpolicyIdCodec: StructCodec<UserpolicyId> = {
	name: 'xfrm_userpolicy_id',
	size: 64,
	decode: (b, off) => ({ sel: selectorCodec.decode(b, off), index: b.readUInt32LE(off + 56), dir: b.readUInt8(off + 60) }),
	encode(v, b, off) {
		b.fill(0, off, off + 64);
		selectorCodec.encode(v.sel, b, off);
		b.writeUInt32LE(v.index, off + 56);
		b.writeUInt8(v.dir, off + 60);
	},
};

export interface UserPolexpire {
	pol: UserpolicyInfo;
	hard: number;
}

export const userPolexpireCodec: StructCodec<UserPolexpire> = {
	name: 'xfrm_user_polexpire',
	size: 176,
	decode: (b, off) => ({ pol: userpolicyInfoCodec.decode(b, off), hard: b.readUInt8(off + 168) }),
	encode(v, b, off) {
		b.fill(0, off, off + 176);
		userpolicyInfoCodec.encode(v.pol, b, off);
		b.writeUInt8(v.hard, off + 168);
	},
};
