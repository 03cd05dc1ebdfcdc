// struct xfrm_lifetime_cfg (64 bytes: limits) and struct xfrm_lifetime_cur (32 bytes: usage,
// also the XFRMA_LTIME_VAL attribute the write-back sends).
import type { StructCodec } from './struct.js';

/** The kernel's "no limit" value for lifetime limits. */
export const XFRM_INF = 0xffffffffffffffffn;

export interface LifetimeCfg {
	softByteLimit: bigint;
	hardByteLimit: bigint;
	softPacketLimit: bigint;
	hardPacketLimit: bigint;
	softAddExpiresSeconds: bigint;
	hardAddExpiresSeconds: bigint;
	softUseExpiresSeconds: bigint;
	hardUseExpiresSeconds: bigint;
}

/** A u64, without allocating a BigInt for the two values the kernel mostly sends: 0 and "no limit". */
export function readU64(b: Buffer, off: number): bigint {
	const lo = b.readUInt32LE(off), hi = b.readUInt32LE(off + 4);
	if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
	if (hi === 0xffffffff && lo === 0xffffffff) return XFRM_INF;
	return (BigInt(hi) << 32n) | BigInt(lo);
}

const cfgFields = ['softByteLimit', 'hardByteLimit', 'softPacketLimit', 'hardPacketLimit',
	'softAddExpiresSeconds', 'hardAddExpiresSeconds', 'softUseExpiresSeconds', 'hardUseExpiresSeconds'] as const;

export const lifetimeCfgCodec: StructCodec<LifetimeCfg> = {
	name: 'xfrm_lifetime_cfg',
	size: 64,
	decode(b, off) {
		const v = {} as LifetimeCfg;
		cfgFields.forEach((f, i) => { v[f] = readU64(b, off + 8 * i); });
		return v;
	},
	encode(v, b, off) {
		cfgFields.forEach((f, i) => { b.writeBigUInt64LE(v[f], off + 8 * i); });
	},
};

export function unlimitedLifetime(): LifetimeCfg {
	return {
		softByteLimit: XFRM_INF, hardByteLimit: XFRM_INF, softPacketLimit: XFRM_INF, hardPacketLimit: XFRM_INF,
		softAddExpiresSeconds: 0n, hardAddExpiresSeconds: 0n, softUseExpiresSeconds: 0n, hardUseExpiresSeconds: 0n,
	};
}

export interface LifetimeCur {
	bytes: bigint;
	packets: bigint;
	/** unix seconds */
	addTime: bigint;
	useTime: bigint;
}

export const lifetimeCurCodec: StructCodec<LifetimeCur> = {
	name: 'xfrm_lifetime_cur',
	size: 32,
	decode: (b, off) => ({
		bytes: readU64(b, off),
		packets: readU64(b, off + 8),
		addTime: readU64(b, off + 16),
		useTime: readU64(b, off + 24),
	}),
	encode(v, b, off) {
		b.writeBigUInt64LE(v.bytes, off);
		b.writeBigUInt64LE(v.packets, off + 8);
		b.writeBigUInt64LE(v.addTime, off + 16);
		b.writeBigUInt64LE(v.useTime, off + 24);
	},
};
