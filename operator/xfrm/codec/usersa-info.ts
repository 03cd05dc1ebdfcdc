// struct xfrm_usersa_info (224 bytes) — the body of NEWSA/UPDSA and of every SA in a dump —
// and its relatives: xfrm_usersa_id (24, DELSA/GETSA), xfrm_user_expire (232, EXPIRE),
// xfrm_usersa_flush (1, FLUSHSA).
import { formatAddress, writeAddress } from './address.js';
import { lifetimeCfgCodec, lifetimeCurCodec, type LifetimeCfg, type LifetimeCur } from './lifetimes.js';
import { idCodec, selectorCodec, type XfrmId, type XfrmSelector } from './selector.js';
import type { StructCodec } from './struct.js';

export interface XfrmStats {
	replayWindow: number;
	replay: number;
	integrityFailed: number;
}

export interface UsersaInfo {
	sel: XfrmSelector;
	id: XfrmId;
	saddr: string;
	lft: LifetimeCfg;
	curlft: LifetimeCur;
	stats: XfrmStats;
	seq: number;
	reqid: number;
	family: number;
	mode: number;
	replayWindow: number;
	flags: number;
}

export const usersaInfoCodec: StructCodec<UsersaInfo> = {
	name: 'xfrm_usersa_info',
	size: 224,
	decode(b, off) {
		const family = b.readUInt16LE(off + 212);
		return {
			sel: selectorCodec.decode(b, off),
			id: idCodec(family).decode(b, off + 56),
			saddr: formatAddress(b, off + 80, family),
			lft: lifetimeCfgCodec.decode(b, off + 96),
			curlft: lifetimeCurCodec.decode(b, off + 160),
			stats: { replayWindow: b.readUInt32LE(off + 192), replay: b.readUInt32LE(off + 196), integrityFailed: b.readUInt32LE(off + 200) },
			seq: b.readUInt32LE(off + 204),
			reqid: b.readUInt32LE(off + 208),
			family,
			mode: b.readUInt8(off + 214),
			replayWindow: b.readUInt8(off + 215),
			flags: b.readUInt8(off + 216),
		};
	},
	encode(v, b, off) {
		b.fill(0, off, off + 224);
		selectorCodec.encode(v.sel, b, off);
		idCodec(v.family).encode(v.id, b, off + 56);
		writeAddress(b, off + 80, v.saddr);
		lifetimeCfgCodec.encode(v.lft, b, off + 96);
		lifetimeCurCodec.encode(v.curlft, b, off + 160);
		b.writeUInt32LE(v.stats.replayWindow, off + 192);
		b.writeUInt32LE(v.stats.replay, off + 196);
		b.writeUInt32LE(v.stats.integrityFailed, off + 200);
		b.writeUInt32LE(v.seq, off + 204);
		b.writeUInt32LE(v.reqid, off + 208);
		b.writeUInt16LE(v.family, off + 212);
		b.writeUInt8(v.mode, off + 214);
		b.writeUInt8(v.replayWindow, off + 215);
		b.writeUInt8(v.flags, off + 216);
	},
};

export interface UsersaId {
	daddr: string;
	spi: number;
	family: number;
	proto: number;
}

export const usersaIdCodec: StructCodec<UsersaId> = {
	name: 'xfrm_usersa_id',
	size: 24,
	decode(b, off) {
		const family = b.readUInt16LE(off + 20);
		return { daddr: formatAddress(b, off, family), spi: b.readUInt32BE(off + 16), family, proto: b.readUInt8(off + 22) };
	},
	encode(v, b, off) {
		b.fill(0, off, off + 24);
		writeAddress(b, off, v.daddr);
		b.writeUInt32BE(v.spi >>> 0, off + 16);
		b.writeUInt16LE(v.family, off + 20);
		b.writeUInt8(v.proto, off + 22);
	},
};

export interface UserExpire {
	state: UsersaInfo;
	hard: number;
}

export const userExpireCodec: StructCodec<UserExpire> = {
	name: 'xfrm_user_expire',
	size: 232,
	decode: (b, off) => ({ state: usersaInfoCodec.decode(b, off), hard: b.readUInt8(off + 224) }),
	encode(v, b, off) {
		b.fill(0, off, off + 232);
		usersaInfoCodec.encode(v.state, b, off);
		b.writeUInt8(v.hard, off + 224);
	},
};

export interface UsersaFlush {
	proto: number;
}

export const usersaFlushCodec: StructCodec<UsersaFlush> = {
	name: 'xfrm_usersa_flush',
	size: 1,
	decode: (b, off) => ({ proto: b.readUInt8(off) }),
	encode(v, b, off) { b.writeUInt8(v.proto, off); },
};
