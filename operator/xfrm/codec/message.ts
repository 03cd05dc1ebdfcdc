// A whole XFRM netlink message: header, the fixed body its type implies, and attributes.
// decodeXfrm/encodeXfrm are a pair; every message esplane receives or sends goes through them.
import { decodeAttrs, encodeAttrs, type XfrmAttr } from './attributes.js';
import { aeventIdCodec, userMappingCodec, type AeventId, type UserMapping } from './aevent.js';
import { AF_INET, NLMSG_DONE, NLMSG_ERROR, XFRM_MSG } from './constants.js';
import { XfrmDecodeError } from './errors.js';
import { align4, buildMessage, decodeError, NLMSG_HDRLEN, type NlHeader, type NlMessage } from './netlink.js';
import { decodeStruct, encodeStruct, type StructCodec } from './struct.js';
import { userPolexpireCodec, userpolicyIdCodec, userpolicyInfoCodec, type UserPolexpire, type UserpolicyId, type UserpolicyInfo } from './userpolicy-info.js';
import { userExpireCodec, usersaFlushCodec, usersaIdCodec, usersaInfoCodec, type UserExpire, type UsersaFlush, type UsersaId, type UsersaInfo } from './usersa-info.js';

interface Base extends NlHeader {
	attrs: XfrmAttr[];
}

export type XfrmMessage =
	| (Base & { kind: 'sa'; body: UsersaInfo }) // NEWSA, UPDSA, a GETSA dump entry
	| (Base & { kind: 'saId'; body: UsersaId }) // DELSA, GETSA
	| (Base & { kind: 'policy'; body: UserpolicyInfo }) // NEWPOLICY, UPDPOLICY, a dump entry
	| (Base & { kind: 'policyId'; body: UserpolicyId }) // DELPOLICY, GETPOLICY
	| (Base & { kind: 'flushSa'; body: UsersaFlush })
	| (Base & { kind: 'flushPolicy'; body: null })
	| (Base & { kind: 'expire'; body: UserExpire })
	| (Base & { kind: 'polexpire'; body: UserPolexpire })
	| (Base & { kind: 'aevent'; body: AeventId }) // NEWAE, GETAE
	| (Base & { kind: 'mapping'; body: UserMapping })
	| (Base & { kind: 'error'; body: { error: number } })
	| (Base & { kind: 'done'; body: null })
	| (Base & { kind: 'other'; body: Buffer });

export type XfrmKind = XfrmMessage['kind'];

/** Which body a message type carries. Dump requests (NLM_F_DUMP) may have an empty body. */
function bodyFor(type: number): { kind: XfrmKind; codec: StructCodec<unknown> | null; family: (v: never) => number } | undefined {
	const fam = <T>(f: (v: T) => number) => f as (v: never) => number;
	switch (type) {
		case XFRM_MSG.NEWSA: case XFRM_MSG.UPDSA:
			return { kind: 'sa', codec: usersaInfoCodec, family: fam((v: UsersaInfo) => v.family) };
		case XFRM_MSG.DELSA: case XFRM_MSG.GETSA:
			return { kind: 'saId', codec: usersaIdCodec, family: fam((v: UsersaId) => v.family) };
		case XFRM_MSG.NEWPOLICY: case XFRM_MSG.UPDPOLICY:
			return { kind: 'policy', codec: userpolicyInfoCodec, family: fam((v: UserpolicyInfo) => v.sel.family) };
		case XFRM_MSG.DELPOLICY: case XFRM_MSG.GETPOLICY:
			return { kind: 'policyId', codec: userpolicyIdCodec, family: fam((v: UserpolicyId) => v.sel.family) };
		case XFRM_MSG.FLUSHSA:
			return { kind: 'flushSa', codec: usersaFlushCodec, family: () => AF_INET };
		case XFRM_MSG.FLUSHPOLICY:
			return { kind: 'flushPolicy', codec: null, family: () => AF_INET };
		case XFRM_MSG.EXPIRE:
			return { kind: 'expire', codec: userExpireCodec, family: fam((v: UserExpire) => v.state.family) };
		case XFRM_MSG.POLEXPIRE:
			return { kind: 'polexpire', codec: userPolexpireCodec, family: fam((v: UserPolexpire) => v.pol.sel.family) };
		case XFRM_MSG.NEWAE: case XFRM_MSG.GETAE:
			return { kind: 'aevent', codec: aeventIdCodec, family: fam((v: AeventId) => v.saId.family) };
		case XFRM_MSG.MAPPING:
			return { kind: 'mapping', codec: userMappingCodec, family: fam((v: UserMapping) => v.id.family) };
		default:
			return undefined;
	}
}

/** {one netlink message} => the typed XFRM message; throws XfrmDecodeError on bad bytes */
export function decodeXfrm(m: NlMessage): XfrmMessage {
	const h: NlHeader = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
	const p = m.payload;
	if (m.type === NLMSG_ERROR) return { ...h, kind: 'error', body: { error: decodeError(p) }, attrs: [] };
	if (m.type === NLMSG_DONE) return { ...h, kind: 'done', body: null, attrs: [] };
	const b = bodyFor(m.type);
	if (!b) return { ...h, kind: 'other', body: Buffer.from(p), attrs: [] };
	if (!b.codec) return { ...h, kind: b.kind, body: null, attrs: decodeAttrs(p, 0, p.length, AF_INET) } as XfrmMessage;
	if (p.length < b.codec.size) {
		throw new XfrmDecodeError(b.codec.name, `message body ${p.length} bytes < ${b.codec.size}`);
	}
	const body = decodeStruct(b.codec, p, 0);
	const attrs = decodeAttrs(p, align4(b.codec.size), p.length, b.family(body as never));
	return { ...h, kind: b.kind, body, attrs } as XfrmMessage;
}

/** {typed message} => bytes; the inverse of decodeXfrm */
export function encodeXfrm(m: XfrmMessage): Buffer {
	const h: NlHeader = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
	const attrs = encodeAttrs(m.attrs);
	switch (m.kind) {
		case 'error': {
			const b = Buffer.alloc(4 + NLMSG_HDRLEN);
			b.writeInt32LE(m.body.error, 0);
			return buildMessage(h, b, []);
		}
		case 'done': return buildMessage(h, Buffer.alloc(4), []);
		case 'other': return buildMessage(h, m.body, []);
		case 'flushPolicy': return buildMessage(h, Buffer.alloc(0), attrs);
		default: {
			const b = bodyFor(m.type);
			if (!b?.codec) throw new RangeError(`message type ${m.type} does not carry a ${m.kind} body`);
			return buildMessage(h, encodeStruct(b.codec, m.body), attrs);
		}
	}
}
