// desired = f(kernel tables): the dataplane SAs and per-direction SPDs that mirror what the
// kernel holds, with the reason for everything that cannot be mirrored. Pure: the same
// tables always give the same result, so a restart, a missed event or a re-dump heals.
//
// It runs after every burst of events over tables of 10,000s of entries, so conversions are
// cached per kernel object (an update or a re-dump brings a new object, hence a fresh
// conversion) and the policy order is cached per policy-table version: a reconcile costs
// map lookups, not re-conversions.
import type { DpPolicy, DpSa, Direction, Hex } from '../dataplane/types.js';
import { attr, type XfrmAttr } from '../xfrm/codec/attributes.js';
import { saDirection, spiHex, xfrmToPolicy, xfrmToSa, type Converted, type SaContext, type XfrmPolicy, type XfrmSa } from '../xfrm/convert.js';
import type { UserTmpl } from '../xfrm/codec/user-tmpl.js';
import type { KernelTables, PolicyEntry, SaEntry } from '../xfrm/state.js';

/** Limits the mirror to esplane's own tunnels; absent fields match everything. */
export interface MirrorScope {
	/** SA/policy mark (value & mask, mask) must be one of these */
	marks?: Array<{ v: number; m: number }>;
	ifIds?: number[];
	reqids?: number[];
}

export interface DesiredSa {
	entry: SaEntry;
	sa: DpSa;
}

export interface DesiredPolicy {
	p: DpPolicy;
	/** identity for dedupe and change detection */
	id: string;
	/** "spi|dir" of the SA it names, to check that SA is installed */
	spiKey?: string;
}

export interface Unprogrammable {
	/** "sa <spi> <dir> <dst>" or "policy <index> …" */
	what: string;
	reason: string;
}

export interface Desired {
	/** keyed by dpKey */
	sas: Map<string, DesiredSa>;
	policies: Record<Direction, DesiredPolicy[]>;
	unprogrammable: Map<string, Unprogrammable>;
}

/** The dataplane's identity of an SA: SPI + direction + outer destination. */
export function dpKey(spi: Hex | number, dir: Direction, dst: string): string {
	const n = typeof spi === 'number' ? spi >>> 0 : Number.parseInt(spi.slice(2), 16) >>> 0;
	return `${n}|${dir}|${dst}`;
}

const bigintJson = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

const fingerprints = new WeakMap<DpSa, string>();

/** What makes two versions of an SA the same to the dataplane; the sequence state is not part of it. */
export function saFingerprint(sa: DpSa): string {
	let fp = fingerprints.get(sa);
	if (fp === undefined) {
		const { seq: _seq, ...rest } = sa;
		fp = JSON.stringify(rest, bigintJson);
		fingerprints.set(sa, fp);
	}
	return fp;
}

/** Whether the dataplane must be given `want` when it holds `have` (undefined: nothing, null: unknown). */
export function saDiffers(have: DpSa | null | undefined, want: DpSa): boolean {
	if (have === want) return false;
	if (!have) return true;
	return saFingerprint(have) !== saFingerprint(want);
}

function inScope(scope: MirrorScope | undefined, attrs: readonly XfrmAttr[], reqid: number | undefined): boolean {
	if (!scope) return true;
	if (scope.marks) {
		const m = attr(attrs, 'mark');
		const v = m ? m.v & m.m : 0, mm = m?.m ?? 0;
		if (!scope.marks.some(s => (s.v & s.m) === v && s.m === mm)) return false;
	}
	if (scope.ifIds && !scope.ifIds.includes(attr(attrs, 'ifId') ?? 0)) return false;
	if (scope.reqids && (reqid === undefined || !scope.reqids.includes(reqid))) return false;
	return true;
}

/** Kernel preference among SAs for one template (xfrm_state_look_at): not dying, then newest. */
function better(a: SaEntry, b: SaEntry): boolean {
	if (a.dying !== b.dying) return !a.dying;
	const ta = a.sa.info.curlft.addTime, tb = b.sa.info.curlft.addTime;
	if (ta !== tb) return ta > tb;
	return a.order > b.order;
}

const any = (a: string) => a === '' || a === '0.0.0.0' || a === '::';

interface SaConv { dir: Direction; conv: Converted<DpSa>; key: string }
interface PolicyConv { epoch: number; reqid: number; version: number; conv: Converted<DesiredPolicy[]> }

/** Caches, per kernel object. One per mirror, since the direction depends on its isLocal. */
export class DesiredCache {
	readonly sas = new WeakMap<XfrmSa, SaConv>();
	readonly policies = new WeakMap<XfrmPolicy, PolicyConv>();
	ordered: { version: number; tables: KernelTables | undefined; list: PolicyEntry[] } = { version: -1, tables: undefined, list: [] };
}

function convertSa(cache: DesiredCache, e: SaEntry, ctx: SaContext): SaConv {
	let c = cache.sas.get(e.sa);
	if (!c) {
		const conv = xfrmToSa(e.sa, ctx);
		const dir = conv.ok ? conv.value.dir : saDirection(e.sa, ctx);
		c = conv.ok
			? { dir, conv, key: dpKey(conv.value.spi, dir, conv.value.dst) }
			: { dir, conv, key: '' };
		cache.sas.set(e.sa, c);
	}
	return c;
}

/**
 * The desired state, kept up to date incrementally: update() re-derives only the SAs whose
 * kernel entries changed since the last call (all of them after a full dump), and the SPDs
 * only when a policy or an SA of a template's reqid changed. The result is the same as a
 * derivation from scratch (computeDesired); a periodic full dump re-derives everything.
 */
export class DesiredState implements Desired {
	readonly sas = new Map<string, DesiredSa>();
	readonly unprogrammable = new Map<string, Unprogrammable>();
	policies: Record<Direction, DesiredPolicy[]> = { in: [], out: [] };
	private readonly cache = new DesiredCache();
	/** kernel SA key => dpKey */
	private readonly byKernelKey = new Map<string, string>();
	private policyStamp = '';
	private readonly deriver = new PolicyDeriver();
	/** TCP MSS clamp by XFRM reqid (the tunnel's spec.mssClamp, via charon's CHILD_SAs) */
	private clamps: ReadonlyMap<number, number> = new Map();

	/**
	 * {tables, changed SA keys (undefined: all), changed reqids, MSS clamps by reqid (absent:
	 * as last time)} => the dpKeys whose desired SA may have changed or gone (undefined: all),
	 * and whether the SPDs were re-derived. A clamp that changed re-derives its reqid's SAs.
	 */
	update(tables: KernelTables, ctx: SaContext, scope: MirrorScope | undefined, changes: { keys: Set<string> | undefined; reqids: Set<number> }, clamps?: ReadonlyMap<number, number>): { sas: Set<string> | undefined; policies: boolean } {
		let { keys } = changes;
		if (clamps && clamps !== this.clamps) {
			if (keys) {
				const moved = [...new Set([...this.clamps.keys(), ...clamps.keys()])].filter(r => this.clamps.get(r) !== clamps.get(r));
				if (moved.length) {
					keys = new Set(keys);
					for (const r of moved) for (const e of tables.byReqid.get(r) ?? []) keys.add(e.key);
				}
			}
			this.clamps = clamps;
		}
		if (!keys) {
			this.sas.clear();
			this.byKernelKey.clear();
			for (const k of [...this.unprogrammable.keys()]) if (k.startsWith('sa ')) this.unprogrammable.delete(k);
		}
		const touched = new Set<string>();
		for (const k of keys ?? tables.sas.keys()) {
			const old = this.byKernelKey.get(k);
			if (old !== undefined) { this.sas.delete(old); this.byKernelKey.delete(k); touched.add(old); }
			this.unprogrammable.delete(`sa ${k}`);
			const e = tables.sas.get(k);
			if (!e) continue;
			const { info, attrs } = e.sa;
			if (scope && !inScope(scope, attrs, info.reqid)) continue;
			const c = convertSa(this.cache, e, ctx);
			if (!c.conv.ok) {
				this.unprogrammable.set(`sa ${k}`, { what: `sa ${spiHex(info.id.spi)} ${c.dir} ${info.id.daddr}`, reason: c.conv.reason });
				continue;
			}
			const clamp = this.clamps.get(info.reqid) ?? 0;
			this.sas.set(c.key, { entry: e, sa: clamp > 0 ? { ...c.conv.value, mssClamp: clamp } : c.conv.value });
			this.byKernelKey.set(k, c.key);
			touched.add(c.key);
		}

		const stamp = `${tables.epoch}|${tables.policyVersion}`;
		const spdStale = !keys || stamp !== this.policyStamp || (changes.reqids.size > 0 && (this.deriver.names(0) || [...changes.reqids].some(r => this.deriver.names(r))));
		if (spdStale) {
			for (const k of [...this.unprogrammable.keys()]) if (k.startsWith('policy ')) this.unprogrammable.delete(k);
			const r = this.deriver.derive(tables, ctx, scope, this.cache, changes.reqids);
			this.policies = r.policies;
			for (const [k, u] of r.unprogrammable) this.unprogrammable.set(k, u);
			this.policyStamp = stamp;
		}
		return { sas: keys ? touched : undefined, policies: spdStale };
	}

	/** Forgets a desired SA the dataplane or kernel refused, with the reason. */
	reject(dpk: string, reason: string): void {
		const ds = this.sas.get(dpk);
		if (!ds) return;
		this.sas.delete(dpk);
		this.byKernelKey.delete(ds.entry.key);
		this.unprogrammable.set(`sa ${ds.entry.key}`, { what: `sa ${ds.sa.spi} ${ds.sa.dir} ${ds.sa.dst}`, reason });
	}
}

/** desired = f(tables, MSS clamps by reqid), from scratch. */
export function computeDesired(tables: KernelTables, ctx: SaContext, scope?: MirrorScope, clamps?: ReadonlyMap<number, number>): Desired {
	const d = new DesiredState();
	d.update(tables, ctx, scope, { keys: undefined, reqids: new Set() }, clamps);
	return d;
}

/**
 * The SPDs, derived from the policy table in XFRM's order (priority, then install order).
 * The ordered list and each policy's conversion are kept between calls; a call after SA
 * changes re-resolves only the policies whose template names a changed reqid.
 */
class PolicyDeriver {
	private ordered: PolicyEntry[] = [];
	private slots: PolicyConv[] = [];
	/** reqid => indexes into ordered/slots (reqid 0 templates match by address: always re-resolved) */
	private byReqid = new Map<number, number[]>();
	private stamp = '';

	/** whether some policy's template names this reqid */
	names(reqid: number): boolean {
		return this.byReqid.has(reqid);
	}

	derive(tables: KernelTables, ctx: SaContext, scope: MirrorScope | undefined, cache: DesiredCache, changedReqids: Set<number>): { policies: Record<Direction, DesiredPolicy[]>; unprogrammable: Map<string, Unprogrammable> } {
		const matches = (e: SaEntry, t: UserTmpl): boolean =>
			(any(t.id.daddr) || t.id.daddr === e.sa.info.id.daddr)
			&& (any(t.saddr) || t.saddr === e.sa.info.saddr)
			&& (t.id.spi === 0 || t.id.spi === e.sa.info.id.spi);
		// Templates resolve to programmable, in-scope SAs of the same direction (and reqid, unless 0).
		const resolve = (t: UserTmpl, dir: Direction): Hex[] => {
			const pool = t.reqid ? (tables.byReqid.get(t.reqid) ?? []) : tables.sas.values();
			const c: SaEntry[] = [];
			for (const e of pool) {
				if (!matches(e, t)) continue;
				if (scope && !inScope(scope, e.sa.attrs, e.sa.info.reqid)) continue;
				const conv = convertSa(cache, e, ctx);
				if (conv.conv.ok && conv.dir === dir) c.push(e);
			}
			if (dir === 'in') return c.sort((a, b) => (better(a, b) ? -1 : 1)).map(e => spiHex(e.sa.info.id.spi));
			let best: SaEntry | undefined;
			for (const e of c) if (!best || better(e, best)) best = e;
			return best ? [spiHex(best.sa.info.id.spi)] : [];
		};
		const convert = (e: PolicyEntry): PolicyConv => {
			let c = cache.policies.get(e.policy);
			// A conversion stays valid until an SA of its template's reqid changes (reqid 0: always look).
			if (!c || c.epoch !== tables.epoch || c.reqid === 0 || c.version !== tables.reqidVersion(c.reqid)) {
				const { attrs } = e.policy;
				const tmpl = attr(attrs, 'tmpl')?.[0];
				const reqid = tmpl ? tmpl.reqid : -1;
				let conv: Converted<DesiredPolicy[]>;
				if (scope && !inScope(scope, attrs, tmpl?.reqid)) {
					conv = { ok: true, value: [] };
				} else {
					const r = xfrmToPolicy(e.policy, resolve);
					conv = r.ok ? { ok: true, value: r.value.map(p => (p.spi ? { p, id: JSON.stringify(p), spiKey: `${Number.parseInt(p.spi.slice(2), 16)}|${p.dir}` } : { p, id: JSON.stringify(p) })) } : r;
				}
				c = { epoch: tables.epoch, reqid, version: reqid > 0 ? tables.reqidVersion(reqid) : 0, conv };
				cache.policies.set(e.policy, c);
			}
			return c;
		};

		const stamp = `${tables.epoch}|${tables.policyVersion}`;
		if (stamp !== this.stamp) {
			this.ordered = [...tables.policies.values()].sort((a, b) => a.policy.info.priority - b.policy.info.priority || a.order - b.order);
			this.slots = this.ordered.map(convert);
			this.byReqid = new Map();
			this.slots.forEach((c, i) => {
				if (c.reqid < 0) return;
				const l = this.byReqid.get(c.reqid);
				if (l) l.push(i); else this.byReqid.set(c.reqid, [i]);
			});
			this.stamp = stamp;
		} else {
			for (const r of [...changedReqids, 0]) {
				for (const i of this.byReqid.get(r) ?? []) this.slots[i] = convert(this.ordered[i]!);
			}
		}

		const unprogrammable = new Map<string, Unprogrammable>();
		const policies: Record<Direction, DesiredPolicy[]> = { in: [], out: [] };
		const seen = new Set<string>();
		for (let i = 0; i < this.slots.length; i++) {
			const c = this.slots[i]!;
			if (!c.conv.ok) {
				const e = this.ordered[i]!, { info } = e.policy;
				unprogrammable.set(`policy ${e.key}`, { what: `policy ${info.index} dir ${info.dir} ${info.sel.saddr}/${info.sel.prefixlenS} -> ${info.sel.daddr}/${info.sel.prefixlenD}`, reason: c.conv.reason });
				continue;
			}
			for (const dp of c.conv.value) {
				// XFRM's in and fwd policies both become the dataplane's inbound SPD: keep one of each.
				if (dp.p.dir === 'in') {
					if (seen.has(dp.id)) continue;
					seen.add(dp.id);
				}
				policies[dp.p.dir].push(dp);
			}
		}
		return { policies, unprogrammable };
	}
}
