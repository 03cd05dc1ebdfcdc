// XFRM attributes as a typed, ordered list. Order is kept so that re-encoding a message the
// kernel sent reproduces its bytes (the round-trip tests rely on it). Attributes esplane
// does not interpret are kept raw; the converters decide whether they matter.
import { XFRMA } from './constants.js';
import { formatAddress, writeAddress } from './address.js';
import { decodeAlgo, decodeAlgoAead, decodeAlgoAuth, encodeAlgo, encodeAlgoAead, encodeAlgoAuth, type XfrmAlgo, type XfrmAlgoAead, type XfrmAlgoAuth } from './algos.js';
import { encapCodec, type EncapTmpl } from './encap.js';
import { XfrmDecodeError } from './errors.js';
import { lifetimeCurCodec, type LifetimeCur } from './lifetimes.js';
import { markCodec, type XfrmMark } from './mark.js';
import { align4, buildAttr, copyOf, NLA_HDRLEN } from './netlink.js';
import { decodeReplayEsn, encodeReplayEsn, replayCodec, type ReplayState, type ReplayStateEsn } from './replay.js';
import { encodeStruct, type StructCodec } from './struct.js';
import { userTmplCodec, type UserTmpl } from './user-tmpl.js';
import { userpolicyInfoCodec, type UserpolicyInfo } from './userpolicy-info.js';
import { usersaInfoCodec, type UsersaInfo } from './usersa-info.js';

/** u32 attributes, by name */
const U32_ATTRS = {
	replayThresh: XFRMA.REPLAY_THRESH,
	etimerThresh: XFRMA.ETIMER_THRESH,
	saExtraFlags: XFRMA.SA_EXTRA_FLAGS,
	tfcpad: XFRMA.TFCPAD,
	setMark: XFRMA.SET_MARK,
	setMarkMask: XFRMA.SET_MARK_MASK,
	ifId: XFRMA.IF_ID,
	mtimerThresh: XFRMA.MTIMER_THRESH,
} as const;
type U32Name = keyof typeof U32_ATTRS;

export type XfrmAttr =
	| { kind: 'aead'; value: XfrmAlgoAead }
	| { kind: 'crypt'; value: XfrmAlgo }
	| { kind: 'auth'; value: XfrmAlgo }
	| { kind: 'authTrunc'; value: XfrmAlgoAuth }
	| { kind: 'encap'; value: EncapTmpl }
	| { kind: 'tmpl'; value: UserTmpl[] }
	| { kind: 'sa'; value: UsersaInfo }
	| { kind: 'policy'; value: UserpolicyInfo }
	| { kind: 'ltime'; value: LifetimeCur }
	| { kind: 'replay'; value: ReplayState }
	| { kind: 'replayEsn'; value: ReplayStateEsn }
	| { kind: 'mark'; value: XfrmMark }
	| { kind: 'srcaddr'; value: string }
	| { kind: 'lastused'; value: bigint }
	| { kind: 'policyType'; value: number }
	| { kind: 'saDir'; value: number }
	| { [K in U32Name]: { kind: K; value: number } }[U32Name]
	| { kind: 'raw'; type: number; value: Buffer };

export type AttrKind = XfrmAttr['kind'];
export type AttrOf<K extends AttrKind> = Extract<XfrmAttr, { kind: K }>;

/** The first attribute of a kind, or undefined. */
export function attr<K extends AttrKind>(attrs: readonly XfrmAttr[], kind: K): AttrOf<K>['value'] | undefined {
	const found = attrs.find(a => a.kind === kind) as AttrOf<K> | undefined;
	return found?.value as AttrOf<K>['value'] | undefined;
}

function fixed<T>(c: StructCodec<T>, name: string, b: Buffer, p: number, n: number): T {
	// The kernel's nla_policy checks a minimum length; we do the same.
	if (n < c.size) throw new XfrmDecodeError(name, `payload ${n} bytes < ${c.size}`);
	return c.decode(b, p);
}

function atLeast(name: string, n: number, size: number): void {
	if (n < size) throw new XfrmDecodeError(name, `payload ${n} bytes < ${size}`);
}

const u32ByType = new Map<number, U32Name>(Object.entries(U32_ATTRS).map(([k, v]) => [v, k as U32Name]));

/**
 * {attribute bytes, the message's address family} => typed attributes. Walks offsets in
 * place (no view per attribute: a full dump has hundreds of thousands of them).
 */
export function decodeAttrs(b: Buffer, off: number, end: number, family: number): XfrmAttr[] {
	const out: XfrmAttr[] = [];
	while (off + NLA_HDRLEN <= end) {
		const len = b.readUInt16LE(off);
		const type = b.readUInt16LE(off + 2) & 0x3fff;
		if (len < NLA_HDRLEN || off + len > end) {
			throw new XfrmDecodeError('nlattr', `nla_len ${len} of attribute ${type} at offset ${off} outside the ${end}-byte message`);
		}
		out.push(decodeAttr(b, off + NLA_HDRLEN, len - NLA_HDRLEN, type, family));
		off += align4(len);
	}
	return out;
}

/** One attribute's payload b[p, p + n). */
function decodeAttr(b: Buffer, p: number, n: number, type: number, family: number): XfrmAttr {
	switch (type) {
		case XFRMA.ALG_AEAD: return { kind: 'aead', value: decodeAlgoAead(b, p, n) };
		case XFRMA.ALG_CRYPT: return { kind: 'crypt', value: decodeAlgo(b, p, n) };
		case XFRMA.ALG_AUTH: return { kind: 'auth', value: decodeAlgo(b, p, n) };
		case XFRMA.ALG_AUTH_TRUNC: return { kind: 'authTrunc', value: decodeAlgoAuth(b, p, n) };
		case XFRMA.ENCAP: return { kind: 'encap', value: fixed(encapCodec, 'XFRMA_ENCAP', b, p, n) };
		case XFRMA.TMPL: {
			if (n % userTmplCodec.size !== 0) throw new XfrmDecodeError('XFRMA_TMPL', `${n} bytes is not a whole number of templates`);
			const t: UserTmpl[] = [];
			for (let i = 0; i < n; i += userTmplCodec.size) t.push(userTmplCodec.decode(b, p + i));
			return { kind: 'tmpl', value: t };
		}
		case XFRMA.SA: return { kind: 'sa', value: fixed(usersaInfoCodec, 'XFRMA_SA', b, p, n) };
		case XFRMA.POLICY: return { kind: 'policy', value: fixed(userpolicyInfoCodec, 'XFRMA_POLICY', b, p, n) };
		case XFRMA.LTIME_VAL: return { kind: 'ltime', value: fixed(lifetimeCurCodec, 'XFRMA_LTIME_VAL', b, p, n) };
		case XFRMA.REPLAY_VAL: return { kind: 'replay', value: fixed(replayCodec, 'XFRMA_REPLAY_VAL', b, p, n) };
		case XFRMA.REPLAY_ESN_VAL: return { kind: 'replayEsn', value: decodeReplayEsn(b, p, n) };
		case XFRMA.MARK: return { kind: 'mark', value: fixed(markCodec, 'XFRMA_MARK', b, p, n) };
		case XFRMA.SRCADDR:
			atLeast('XFRMA_SRCADDR', n, 16);
			return { kind: 'srcaddr', value: formatAddress(b, p, family) };
		case XFRMA.LASTUSED:
			atLeast('XFRMA_LASTUSED', n, 8);
			return { kind: 'lastused', value: b.readBigUInt64LE(p) };
		case XFRMA.POLICY_TYPE:
			atLeast('XFRMA_POLICY_TYPE', n, 6);
			return { kind: 'policyType', value: b.readUInt8(p) };
		case XFRMA.SA_DIR:
			atLeast('XFRMA_SA_DIR', n, 1);
			return { kind: 'saDir', value: b.readUInt8(p) };
		default: {
			const name = u32ByType.get(type);
			if (name) {
				atLeast(`XFRMA ${type}`, n, 4);
				return { kind: name, value: b.readUInt32LE(p) };
			}
			return { kind: 'raw', type, value: copyOf(b, p, p + n) };
		}
	}
}

function u32Buf(v: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(v >>> 0, 0);
	return b;
}

/** {typed attributes} => encoded attributes, in the same order */
export function encodeAttrs(attrs: readonly XfrmAttr[]): Buffer[] {
	return attrs.map(a => {
		switch (a.kind) {
			case 'aead': return buildAttr(XFRMA.ALG_AEAD, encodeAlgoAead(a.value));
			case 'crypt': return buildAttr(XFRMA.ALG_CRYPT, encodeAlgo(a.value));
			case 'auth': return buildAttr(XFRMA.ALG_AUTH, encodeAlgo(a.value));
			case 'authTrunc': return buildAttr(XFRMA.ALG_AUTH_TRUNC, encodeAlgoAuth(a.value));
			case 'encap': return buildAttr(XFRMA.ENCAP, encodeStruct(encapCodec, a.value));
			case 'tmpl': return buildAttr(XFRMA.TMPL, Buffer.concat(a.value.map(t => encodeStruct(userTmplCodec, t))));
			case 'sa': return buildAttr(XFRMA.SA, encodeStruct(usersaInfoCodec, a.value));
			case 'policy': return buildAttr(XFRMA.POLICY, encodeStruct(userpolicyInfoCodec, a.value));
			case 'ltime': return buildAttr(XFRMA.LTIME_VAL, encodeStruct(lifetimeCurCodec, a.value));
			case 'replay': return buildAttr(XFRMA.REPLAY_VAL, encodeStruct(replayCodec, a.value));
			case 'replayEsn': return buildAttr(XFRMA.REPLAY_ESN_VAL, encodeReplayEsn(a.value));
			case 'mark': return buildAttr(XFRMA.MARK, encodeStruct(markCodec, a.value));
			case 'srcaddr': {
				const b = Buffer.alloc(16);
				writeAddress(b, 0, a.value);
				return buildAttr(XFRMA.SRCADDR, b);
			}
			case 'lastused': {
				const b = Buffer.alloc(8);
				b.writeBigUInt64LE(a.value, 0);
				return buildAttr(XFRMA.LASTUSED, b);
			}
			case 'policyType': {
				const b = Buffer.alloc(6);
				b.writeUInt8(a.value, 0);
				return buildAttr(XFRMA.POLICY_TYPE, b);
			}
			case 'saDir': return buildAttr(XFRMA.SA_DIR, Buffer.from([a.value]));
			case 'raw': return buildAttr(a.type, a.value);
			default: return buildAttr(U32_ATTRS[(a as { kind: U32Name }).kind], u32Buf((a as { value: number }).value));
		}
	});
}
