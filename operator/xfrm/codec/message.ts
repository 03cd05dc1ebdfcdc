// A whole XFRM netlink message: header, the fixed body its type implies, and attributes.
// decodeXfrm/encodeXfrm are a pair; every message esplane receives or sends goes through them.
import { decodeAttrs, encodeAttrs, type XfrmAttr } from './attributes.js';
import { aeventIdCodec, userMappingCodec, type AeventId, type UserMapping } from './aevent.js';
import { AF_INET, NLMSG_DONE, NLMSG_ERROR, XFRM_MSG } from './constants.js';
import { XfrmDecodeError } from './errors.js';
import { align4, buildMessage, copyOf, decodeError, NLMSG_HDRLEN, type NlHeader, type NlMessage } from './netlink.js';
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
	| (Base & { kind: 'error'; body: { error: number; /** the request's header (and, on failure, its body) as the kernel echoes it */ echo?: Buffer } })
	| (Base & { kind: 'done'; body: null })
	| (Base & { kind: 'other'; body: Buffer });

export type XfrmKind = XfrmMessage['kind'];

interface BodyKind {
	kind: XfrmKind;
	codec: StructCodec<unknown> | null;
	/** the address family of a decoded body, which decides how attribute addresses read */
	family: (v: never) => number;
}

const fam = <T>(f: (v: T) => number) => f as (v: never) => number;
const sa: BodyKind = { kind: 'sa', codec: usersaInfoCodec, family: fam((v: UsersaInfo) => v.family) };
const saId: BodyKind = { kind: 'saId', codec: usersaIdCodec, family: fam((v: UsersaId) => v.family) };
const policy: BodyKind = { kind: 'policy', codec: userpolicyInfoCodec, family: fam((v: UserpolicyInfo) => v.sel.family) };
const policyId: BodyKind = { kind: 'policyId', codec: userpolicyIdCodec, family: fam((v: UserpolicyId) => v.sel.family) };
const aevent: BodyKind = { kind: 'aevent', codec: aeventIdCodec, family: fam((v: AeventId) => v.saId.family) };

/** Which body each message type carries. Dump requests (NLM_F_DUMP) may have an empty body. */
const BODIES = new Map<number, BodyKind>([
	[XFRM_MSG.NEWSA, sa], [XFRM_MSG.UPDSA, sa],
	[XFRM_MSG.DELSA, saId], [XFRM_MSG.GETSA, saId],
	[XFRM_MSG.NEWPOLICY, policy], [XFRM_MSG.UPDPOLICY, policy],
	[XFRM_MSG.DELPOLICY, policyId], [XFRM_MSG.GETPOLICY, policyId],
	[XFRM_MSG.FLUSHSA, { kind: 'flushSa', codec: usersaFlushCodec, family: () => AF_INET }],
	[XFRM_MSG.FLUSHPOLICY, { kind: 'flushPolicy', codec: null, family: () => AF_INET }],
	[XFRM_MSG.EXPIRE, { kind: 'expire', codec: userExpireCodec, family: fam((v: UserExpire) => v.state.family) }],
	[XFRM_MSG.POLEXPIRE, { kind: 'polexpire', codec: userPolexpireCodec, family: fam((v: UserPolexpire) => v.pol.sel.family) }],
	[XFRM_MSG.NEWAE, aevent], [XFRM_MSG.GETAE, aevent],
	[XFRM_MSG.MAPPING, { kind: 'mapping', codec: userMappingCodec, family: fam((v: UserMapping) => v.id.family) }],
]);

function bodyFor(type: number): BodyKind | undefined {
	return BODIES.get(type);
}

/** {one netlink message} => the typed XFRM message; throws XfrmDecodeError on bad bytes */
export function decodeXfrm(m: NlMessage): XfrmMessage {
	const h: NlHeader = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
	const p = m.payload;
	if (m.type === NLMSG_ERROR) return { ...h, kind: 'error', body: { error: decodeError(p), echo: copyOf(p, 4) }, attrs: [] };
	if (m.type === NLMSG_DONE) return { ...h, kind: 'done', body: null, attrs: [] };
	const b = bodyFor(m.type);
	if (!b) return { ...h, kind: 'other', body: copyOf(p), attrs: [] };
	if (!b.codec) return { ...h, kind: b.kind, body: null, attrs: decodeAttrs(p, 0, p.length, AF_INET) } as XfrmMessage;
	if (p.length < b.codec.size) {
		throw new XfrmDecodeError(b.codec.name, `message body ${p.length} bytes < ${b.codec.size}`);
	}
	const body = decodeStruct(b.codec, p, 0);
	const attrs = decodeAttrs(p, align4(b.codec.size), p.length, b.family(body as never));
	return { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, kind: b.kind, body, attrs } as XfrmMessage;
}

/** {typed message} => bytes; the inverse of decodeXfrm */
export function encodeXfrm(m: XfrmMessage): Buffer {
	const h: NlHeader = { type: m.type, flags: m.flags, seq: m.seq, pid: m.pid };
	const attrs = encodeAttrs(m.attrs);
	switch (m.kind) {
		case 'error': {
			const echo = m.body.echo ?? Buffer.alloc(NLMSG_HDRLEN);
			const b = Buffer.alloc(4 + echo.length);
			b.writeInt32LE(m.body.error, 0);
			echo.copy(b, 4);
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
