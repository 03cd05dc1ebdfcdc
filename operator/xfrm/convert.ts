// Paired converters at the kernel/dataplane boundary: xfrmToSa/saToXfrm and
// xfrmToPolicy/policyToXfrm. An SA or policy either converts completely or not at all:
// the failure carries the reason, and the mirror reports it instead of installing half.
import { checkAead, checkCipher, checkIntegrity } from '../api/algorithms.js';
import type { DpPolicy, DpSa, Direction, Hex, Lifetime } from '../dataplane/types.js';
import { attr, type XfrmAttr } from './codec/attributes.js';
import { familyOf } from './codec/address.js';
import {
	AF_INET, AF_INET6, IPPROTO_ESP, UDP_ENCAP_ESPINUDP, XFRMA, XFRM_MODE_TUNNEL, XFRM_POLICY_ALLOW, XFRM_POLICY_BLOCK,
	XFRM_POLICY_IN, XFRM_POLICY_OUT, XFRM_POLICY_TYPE_MAIN, XFRM_SA_DIR_IN, XFRM_SA_DIR_OUT, XFRM_STATE_ESN, xfrmaName,
} from './codec/constants.js';
import { XFRM_INF, unlimitedLifetime, type LifetimeCfg } from './codec/lifetimes.js';
import type { UserTmpl } from './codec/user-tmpl.js';
import type { UserpolicyInfo } from './codec/userpolicy-info.js';
import type { UsersaInfo } from './codec/usersa-info.js';
import type { XfrmSelector } from './codec/selector.js';

export type Converted<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** An SA as the kernel holds it: the body and the attributes of NEWSA/UPDSA or a dump entry. */
export interface XfrmSa {
	info: UsersaInfo;
	attrs: XfrmAttr[];
}

export interface XfrmPolicy {
	info: UserpolicyInfo;
	attrs: XfrmAttr[];
}

/**
 * Attributes that carry nothing the dataplane must honour (bookkeeping, thresholds, routing
 * marks). Any other attribute we do not convert makes the SA unprogrammable: better reported
 * than installed without a feature the peer expects.
 */
const HARMLESS = new Set<number>([
	XFRMA.PAD, XFRMA.LASTUSED, XFRMA.REPLAY_THRESH, XFRMA.ETIMER_THRESH, XFRMA.MTIMER_THRESH, XFRMA.LTIME_VAL,
	XFRMA.SRCADDR, XFRMA.SET_MARK, XFRMA.SET_MARK_MASK, XFRMA.SA_EXTRA_FLAGS, XFRMA.POLICY_TYPE,
]);

const KIND_TYPES: Record<string, number> = {
	aead: XFRMA.ALG_AEAD, crypt: XFRMA.ALG_CRYPT, auth: XFRMA.ALG_AUTH, authTrunc: XFRMA.ALG_AUTH_TRUNC,
	encap: XFRMA.ENCAP, tmpl: XFRMA.TMPL, sa: XFRMA.SA, policy: XFRMA.POLICY, ltime: XFRMA.LTIME_VAL,
	replay: XFRMA.REPLAY_VAL, replayEsn: XFRMA.REPLAY_ESN_VAL, mark: XFRMA.MARK, srcaddr: XFRMA.SRCADDR,
	lastused: XFRMA.LASTUSED, policyType: XFRMA.POLICY_TYPE, saDir: XFRMA.SA_DIR, replayThresh: XFRMA.REPLAY_THRESH,
	etimerThresh: XFRMA.ETIMER_THRESH, saExtraFlags: XFRMA.SA_EXTRA_FLAGS, tfcpad: XFRMA.TFCPAD,
	setMark: XFRMA.SET_MARK, setMarkMask: XFRMA.SET_MARK_MASK, ifId: XFRMA.IF_ID, mtimerThresh: XFRMA.MTIMER_THRESH,
};

export function attrType(a: XfrmAttr): number {
	return a.kind === 'raw' ? a.type : KIND_TYPES[a.kind] ?? -1;
}

export function spiHex(spi: number): Hex {
	return `0x${(spi >>> 0).toString(16)}`;
}

export function parseSpi(spi: Hex | string): number {
	return Number.parseInt(spi.slice(2), 16) >>> 0;
}

const keyHex = (k: Buffer): Hex => `0x${k.toString('hex')}`;

function parseKey(what: string, k: Hex): Buffer {
	const hex = k.slice(2);
	if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new RangeError(`${what}: key is not whole bytes of hex`);
	return Buffer.from(hex, 'hex');
}

function lifetimeOf(lft: LifetimeCfg): Lifetime | undefined {
	const l: Lifetime = {};
	if (lft.softByteLimit !== XFRM_INF) l.softBytes = lft.softByteLimit;
	if (lft.hardByteLimit !== XFRM_INF) l.hardBytes = lft.hardByteLimit;
	if (lft.softPacketLimit !== XFRM_INF) l.softPackets = lft.softPacketLimit;
	if (lft.hardPacketLimit !== XFRM_INF) l.hardPackets = lft.hardPacketLimit;
	return Object.keys(l).length ? l : undefined;
}

export interface SaContext {
	/** whether an address is this node's: an SA to a local address is inbound */
	isLocal(addr: string): boolean;
}

/** The direction of a kernel SA: XFRMA_SA_DIR when the kernel has it (≥ 6.10), else by destination. */
export function saDirection(sa: XfrmSa, ctx: SaContext): Direction {
	const d = attr(sa.attrs, 'saDir');
	if (d === XFRM_SA_DIR_IN) return 'in';
	if (d === XFRM_SA_DIR_OUT) return 'out';
	return ctx.isLocal(sa.info.id.daddr) ? 'in' : 'out';
}

/** The kernel's sequence state of an SA: outbound last sent, inbound highest accepted (64-bit with ESN). */
export function kernelSeq(sa: XfrmSa, dir: Direction): bigint {
	const esn = attr(sa.attrs, 'replayEsn');
	if (esn) return dir === 'out' ? (BigInt(esn.oseqHi) << 32n) | BigInt(esn.oseq) : (BigInt(esn.seqHi) << 32n) | BigInt(esn.seq);
	const r = attr(sa.attrs, 'replay');
	return BigInt(r ? (dir === 'out' ? r.oseq : r.seq) : 0);
}

/** {kernel SA} => the dataplane SA, or why it cannot be programmed */
export function xfrmToSa(sa: XfrmSa, ctx: SaContext): Converted<DpSa> {
	const { info, attrs } = sa;
	if (info.id.proto !== IPPROTO_ESP) return fail(`protocol ${info.id.proto} is not ESP`);
	if (info.mode !== XFRM_MODE_TUNNEL) return fail(`mode ${info.mode} is not tunnel`);
	if (info.family !== AF_INET && info.family !== AF_INET6) return fail(`address family ${info.family}`);
	for (const a of attrs) {
		const t = attrType(a);
		if (HARMLESS.has(t) || ['aead', 'crypt', 'auth', 'authTrunc', 'encap', 'replay', 'replayEsn', 'mark', 'ifId', 'saDir', 'tfcpad'].includes(a.kind)) continue;
		return fail(`attribute ${xfrmaName(t)} is not supported`);
	}
	const tfc = attr(attrs, 'tfcpad');
	if (tfc) return fail(`TFC padding (${tfc}) is not supported`);
	const dir = saDirection(sa, ctx);
	const out: DpSa = { spi: spiHex(info.id.spi), dir, mode: 'tunnel', src: info.saddr, dst: info.id.daddr };

	const aead = attr(attrs, 'aead');
	const crypt = attr(attrs, 'crypt');
	// The kernel reports both ALG_AUTH and ALG_AUTH_TRUNC; the truncated form is the exact one.
	const authTrunc = attr(attrs, 'authTrunc');
	const authPlain = attr(attrs, 'auth');
	const auth = authTrunc ?? (authPlain && { ...authPlain, truncBits: 96 });
	if (aead) {
		if (crypt || auth) return fail('AEAD combined with a cipher or integrity algorithm');
		const why = checkAead(aead.name, aead.keyBits, aead.icvBits);
		if (why) return fail(why);
		out.aead = { name: aead.name as NonNullable<DpSa['aead']>['name'], key: keyHex(aead.key), icvBits: aead.icvBits };
	} else {
		if (!crypt) return fail('no encryption algorithm (ESP without confidentiality is not supported)');
		if (!auth) return fail('no integrity algorithm with a non-AEAD cipher');
		const whyEnc = checkCipher(crypt.name, crypt.keyBits);
		if (whyEnc) return fail(whyEnc);
		const whyAuth = checkIntegrity(auth.name, auth.keyBits, auth.truncBits);
		if (whyAuth) return fail(whyAuth);
		out.enc = { name: crypt.name as NonNullable<DpSa['enc']>['name'], key: keyHex(crypt.key) };
		out.auth = { name: auth.name as NonNullable<DpSa['auth']>['name'], key: keyHex(auth.key), truncBits: auth.truncBits };
	}
	const esnState = attr(attrs, 'replayEsn');
	out.replayWindow = esnState ? esnState.replayWindow : info.replayWindow;
	out.esn = (info.flags & XFRM_STATE_ESN) !== 0;
	const encap = attr(attrs, 'encap');
	if (encap) {
		if (encap.type !== UDP_ENCAP_ESPINUDP) return fail(`UDP encapsulation type ${encap.type} is not espinudp`);
		out.encap = { type: 'espinudp', sport: encap.sport, dport: encap.dport };
	}
	const lifetime = lifetimeOf(info.lft);
	if (lifetime) out.lifetime = lifetime;
	const seq = kernelSeq(sa, dir);
	if (seq) out.seq = seq;
	if (info.reqid) out.reqid = info.reqid;
	return { ok: true, value: out };
}

export interface SaExtras {
	mark?: { v: number; m: number };
	ifId?: number;
	/** the ESN bitmap length in 32-bit words (default: the window rounded up) */
	bmpLen?: number;
}

/** {dataplane SA} => the kernel SA that `ip xfrm state add` would create for it */
export function saToXfrm(sa: DpSa, extras: SaExtras = {}): XfrmSa {
	const family = familyOf(sa.dst);
	const lft = unlimitedLifetime();
	const l = sa.lifetime;
	if (l?.softBytes !== undefined) lft.softByteLimit = BigInt(l.softBytes);
	if (l?.hardBytes !== undefined) lft.hardByteLimit = BigInt(l.hardBytes);
	if (l?.softPackets !== undefined) lft.softPacketLimit = BigInt(l.softPackets);
	if (l?.hardPackets !== undefined) lft.hardPacketLimit = BigInt(l.hardPackets);
	const window = sa.replayWindow ?? 32;
	const esn = sa.esn ?? false;
	const info: UsersaInfo = {
		sel: { daddr: '', saddr: '', dport: 0, dportMask: 0, sport: 0, sportMask: 0, family, prefixlenD: 0, prefixlenS: 0, proto: 0, ifindex: 0, user: 0 },
		id: { daddr: sa.dst, spi: parseSpi(sa.spi), proto: IPPROTO_ESP },
		saddr: sa.src,
		lft,
		curlft: { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n },
		stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
		seq: 0,
		reqid: sa.reqid ?? 0,
		family,
		mode: XFRM_MODE_TUNNEL,
		replayWindow: esn ? 0 : Math.min(window, 255),
		flags: esn ? XFRM_STATE_ESN : 0,
	};
	const attrs: XfrmAttr[] = [];
	if (sa.aead) attrs.push({ kind: 'aead', value: { name: sa.aead.name, keyBits: parseKey('aead', sa.aead.key).length * 8, key: parseKey('aead', sa.aead.key), icvBits: sa.aead.icvBits } });
	if (sa.enc) attrs.push({ kind: 'crypt', value: { name: sa.enc.name, keyBits: parseKey('enc', sa.enc.key).length * 8, key: parseKey('enc', sa.enc.key) } });
	if (sa.auth) attrs.push({ kind: 'authTrunc', value: { name: sa.auth.name, keyBits: parseKey('auth', sa.auth.key).length * 8, key: parseKey('auth', sa.auth.key), truncBits: sa.auth.truncBits } });
	if (sa.encap) attrs.push({ kind: 'encap', value: { type: UDP_ENCAP_ESPINUDP, sport: sa.encap.sport, dport: sa.encap.dport, oa: '' } });
	const seq = BigInt(sa.seq ?? 0);
	const lo = Number(seq & 0xffffffffn), hi = Number(seq >> 32n);
	const out = sa.dir === 'out';
	if (esn) {
		const bmpLen = extras.bmpLen ?? Math.ceil(window / 32);
		attrs.push({ kind: 'replayEsn', value: { oseq: out ? lo : 0, seq: out ? 0 : lo, oseqHi: out ? hi : 0, seqHi: out ? 0 : hi, replayWindow: window, bmp: new Array<number>(bmpLen).fill(0) } });
	} else {
		attrs.push({ kind: 'replay', value: { oseq: out ? lo : 0, seq: out ? 0 : lo, bitmap: 0 } });
	}
	if (extras.mark) attrs.push({ kind: 'mark', value: extras.mark });
	if (extras.ifId !== undefined) attrs.push({ kind: 'ifId', value: extras.ifId });
	attrs.push({ kind: 'saDir', value: out ? XFRM_SA_DIR_OUT : XFRM_SA_DIR_IN });
	return { info, attrs };
}

const PROTO_NAMES: Record<number, DpPolicy['proto']> = { 0: 'any', 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };
const PROTO_NUMBERS: Record<string, number> = { any: 0, icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58 };

/** port + mask => a port, a [lo, hi] range, or undefined for "any"; masks must be a prefix */
function portOf(port: number, mask: number): Converted<number | [number, number] | undefined> {
	if (mask === 0) return { ok: true, value: undefined };
	if (mask === 0xffff) return { ok: true, value: port };
	const inv = ~mask & 0xffff;
	if ((inv & (inv + 1)) !== 0) return fail(`port mask 0x${mask.toString(16)} is not a prefix`);
	return { ok: true, value: [port & mask, (port & mask) | inv] };
}

function maskOf(p: number | [number, number] | undefined): { port: number; mask: number } {
	if (p === undefined) return { port: 0, mask: 0 };
	if (typeof p === 'number') return { port: p, mask: 0xffff };
	const size = p[1] - p[0] + 1;
	if ((size & (size - 1)) !== 0 || (p[0] & (size - 1)) !== 0) throw new RangeError(`port range ${p[0]}-${p[1]} is not expressible as a mask`);
	return { port: p[0], mask: (~(size - 1)) & 0xffff };
}

/** Finds the SPI(s) a protect policy's template refers to; several inbound SAs share one during a rekey. */
export type TemplateResolver = (tmpl: UserTmpl, dir: Direction) => Hex[];

export function policyDirection(dir: number): Direction | undefined {
	if (dir === XFRM_POLICY_OUT) return 'out';
	// Forwarded traffic (fwd) and traffic to the node itself (in) are both inbound to the dataplane.
	if (dir === XFRM_POLICY_IN || dir === 2) return 'in';
	return undefined;
}

/**
 * {kernel policy, template resolver} => dataplane policies, or why it cannot be programmed.
 * Protect policies carry the template's reqid, so old and new SA both pass inbound during a
 * rekey, and an outbound policy whose SA is not there yet still protects (the dataplane drops,
 * it never sends in clear).
 */
export function xfrmToPolicy(p: XfrmPolicy, resolve: TemplateResolver): Converted<DpPolicy[]> {
	const { info, attrs } = p;
	const type = attr(attrs, 'policyType');
	if (type !== undefined && type !== XFRM_POLICY_TYPE_MAIN) return fail(`policy type ${type} is not main`);
	const dir = policyDirection(info.dir);
	if (!dir) return fail(`direction ${info.dir} is a socket policy`);
	for (const a of attrs) {
		const t = attrType(a);
		if (!HARMLESS.has(t) && !['tmpl', 'mark', 'ifId', 'policyType'].includes(a.kind)) return fail(`attribute ${xfrmaName(t)} is not supported`);
	}
	const sel = info.sel;
	if (sel.family !== AF_INET && sel.family !== AF_INET6) return fail(`selector family ${sel.family}`);
	const sport = portOf(sel.sport, sel.sportMask);
	const dport = portOf(sel.dport, sel.dportMask);
	if (!sport.ok) return sport;
	if (!dport.ok) return dport;
	const base: DpPolicy = {
		dir,
		src: `${sel.saddr}/${sel.prefixlenS}`,
		dst: `${sel.daddr}/${sel.prefixlenD}`,
		proto: PROTO_NAMES[sel.proto] ?? sel.proto,
		action: 'bypass',
		priority: info.priority,
	};
	if (sport.value !== undefined) base.sport = sport.value;
	if (dport.value !== undefined) base.dport = dport.value;
	if (info.action === XFRM_POLICY_BLOCK) return { ok: true, value: [{ ...base, action: 'discard' }] };
	if (info.action !== XFRM_POLICY_ALLOW) return fail(`action ${info.action}`);
	const tmpls = attr(attrs, 'tmpl') ?? [];
	if (tmpls.length === 0) return { ok: true, value: [base] };
	if (tmpls.length > 1) return fail(`${tmpls.length} nested templates (only one ESP template is supported)`);
	const t = tmpls[0]!;
	if (t.id.proto !== IPPROTO_ESP) return fail(`template protocol ${t.id.proto} is not ESP`);
	if (t.mode !== XFRM_MODE_TUNNEL) return fail(`template mode ${t.mode} is not tunnel`);
	if (t.optional) return fail('optional template');
	if (t.reqid) {
		// As the kernel's template: inbound accepts any SA of the reqid (old and new during a
		// rekey); outbound names the SA the kernel would pick, and the reqid lets the dataplane
		// take the newest one by itself until the mirror names it (no SA yet: it drops).
		if (dir === 'in') return { ok: true, value: [{ ...base, action: 'protect', reqid: t.reqid }] };
		const [spi] = resolve(t, dir);
		return { ok: true, value: [spi ? { ...base, action: 'protect', spi, reqid: t.reqid } : { ...base, action: 'protect', reqid: t.reqid }] };
	}
	// reqid 0: the template matches SAs by address alone; name them. With none there is
	// nothing to name, so the flow is dropped outright (never sent in clear).
	const spis = resolve(t, dir);
	if (spis.length === 0) return { ok: true, value: [{ ...base, action: 'discard' }] };
	return { ok: true, value: (dir === 'out' ? spis.slice(0, 1) : spis).map(spi => ({ ...base, action: 'protect' as const, spi })) };
}

/** {dataplane policy, template endpoints} => the kernel policy `ip xfrm policy add` would create */
export function policyToXfrm(p: DpPolicy, tmpl?: { src: string; dst: string; reqid: number; spi?: number }): XfrmPolicy {
	const [saddr = '', plenS = '0'] = p.src.split('/');
	const [daddr = '', plenD = '0'] = p.dst.split('/');
	const family = familyOf(daddr);
	const sp = maskOf(p.sport), dp = maskOf(p.dport);
	const proto = typeof p.proto === 'number' ? p.proto : PROTO_NUMBERS[p.proto ?? 'any'] ?? 0;
	const sel: XfrmSelector = {
		daddr, saddr, dport: dp.port, dportMask: dp.mask, sport: sp.port, sportMask: sp.mask, family,
		prefixlenD: Number(plenD), prefixlenS: Number(plenS), proto, ifindex: 0, user: 0,
	};
	const info: UserpolicyInfo = {
		sel,
		lft: unlimitedLifetime(),
		curlft: { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n },
		priority: p.priority ?? 0,
		index: 0,
		dir: p.dir === 'out' ? XFRM_POLICY_OUT : XFRM_POLICY_IN,
		action: p.action === 'discard' ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW,
		flags: 0,
		share: 0,
	};
	const attrs: XfrmAttr[] = [];
	if (p.action === 'protect') {
		const tf = tmpl ? familyOf(tmpl.dst) : family;
		attrs.push({ kind: 'tmpl', value: [{
			id: { daddr: tmpl?.dst ?? '', spi: tmpl?.spi ?? 0, proto: IPPROTO_ESP }, family: tf, saddr: tmpl?.src ?? '',
			reqid: tmpl?.reqid ?? p.reqid ?? 0, mode: XFRM_MODE_TUNNEL, share: 0, optional: 0, aalgos: 0xffffffff, ealgos: 0xffffffff, calgos: 0xffffffff,
		}] });
	}
	return { info, attrs };
}
