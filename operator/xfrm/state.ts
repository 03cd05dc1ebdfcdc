// The kernel's SAD and SPD as last observed: filled by dumps, kept current by events.
// Entries hold the kernel's own bytes (decoded), never the dataplane's view; the mirror
// derives what the dataplane should hold from these tables alone.
import { attr, type XfrmAttr } from './codec/attributes.js';
import type { XfrmPolicy, XfrmSa } from './convert.js';

export interface SaEntry {
	key: string;
	sa: XfrmSa;
	/** arrival order: a later install of the same reqid wins, as in the kernel's lookup */
	order: number;
	/** soft-expired: the kernel prefers another SA of the same reqid */
	dying: boolean;
}

export interface PolicyEntry {
	key: string;
	policy: XfrmPolicy;
	order: number;
}

function markKey(attrs: readonly XfrmAttr[]): string {
	const m = attr(attrs, 'mark');
	return m ? `${m.v & m.m}/${m.m}` : '0/0';
}

/** Zeroes the key bytes an SA's decoded attributes hold, once the kernel entry is gone or replaced. */
export function wipeKeys(sa: XfrmSa): void {
	for (const a of sa.attrs) {
		if (a.kind === 'aead' || a.kind === 'crypt' || a.kind === 'auth' || a.kind === 'authTrunc') a.value.key.fill(0);
	}
}

/** The kernel's identity of an SA: (daddr, spi, proto, family) within a mark. */
export function saKeyOf(daddr: string, spi: number, proto: number, family: number, attrs: readonly XfrmAttr[]): string {
	return `${family}|${daddr}|${spi >>> 0}|${proto}|${markKey(attrs)}`;
}

/** Policies are identified by their kernel index, which UPDPOLICY keeps and DELPOLICY reports. */
export function policyKeyOf(index: number): string {
	return `${index >>> 0}`;
}

export class KernelTables {
	readonly sas = new Map<string, SaEntry>();
	readonly policies = new Map<string, PolicyEntry>();
	/** reqid => the SAs with it, kept in step with `sas`: templates are resolved through it */
	readonly byReqid = new Map<number, Set<SaEntry>>();
	/** bumped on every policy change, so derived orderings can be cached */
	policyVersion = 0;
	/** bumped by a full replace: every cached derivation is stale */
	epoch = 0;
	private readonly reqidVersions = new Map<number, number>();
	private order = 0;
	/** SA keys changed since the last takeChanges(); undefined: everything (a full replace) */
	private changed: Set<string> | undefined = new Set();
	private changedReqids = new Set<number>();

	/** {} => the SA keys and reqids changed since the last call (keys undefined: all of them) */
	takeChanges(): { keys: Set<string> | undefined; reqids: Set<number> } {
		const r = { keys: this.changed, reqids: this.changedReqids };
		this.changed = new Set();
		this.changedReqids = new Set();
		return r;
	}

	/** Changes whenever an SA of this reqid comes, goes or starts dying. */
	reqidVersion(reqid: number): number {
		return this.reqidVersions.get(reqid) ?? 0;
	}

	private bump(reqid: number): void {
		this.reqidVersions.set(reqid, (this.reqidVersions.get(reqid) ?? 0) + 1);
		this.changedReqids.add(reqid);
	}

	private unindex(e: SaEntry): void {
		const set = this.byReqid.get(e.sa.info.reqid);
		set?.delete(e);
		if (set?.size === 0) this.byReqid.delete(e.sa.info.reqid);
		this.bump(e.sa.info.reqid);
	}

	putSa(sa: XfrmSa): SaEntry {
		const { info, attrs } = sa;
		const key = saKeyOf(info.id.daddr, info.id.spi, info.id.proto, info.family, attrs);
		const old = this.sas.get(key);
		if (old) {
			this.unindex(old);
			if (old.sa !== sa) wipeKeys(old.sa);
		}
		// An update keeps its place in install order: UPDSA is how charon completes an inbound SA.
		const e: SaEntry = { key, sa, order: old?.order ?? ++this.order, dying: old?.dying ?? false };
		this.sas.set(key, e);
		const set = this.byReqid.get(info.reqid);
		if (set) set.add(e); else this.byReqid.set(info.reqid, new Set([e]));
		this.bump(info.reqid);
		this.changed?.add(key);
		return e;
	}

	delSa(key: string): boolean {
		const e = this.sas.get(key);
		if (!e) return false;
		this.unindex(e);
		this.changed?.add(key);
		wipeKeys(e.sa);
		return this.sas.delete(key);
	}

	/** Soft expiry: the SA stays, but a live SA of the same reqid is preferred. */
	markDying(key: string): boolean {
		const e = this.sas.get(key);
		if (!e || e.dying) return false;
		e.dying = true;
		this.bump(e.sa.info.reqid);
		this.changed?.add(key);
		return true;
	}

	putPolicy(policy: XfrmPolicy): PolicyEntry {
		const key = policyKeyOf(policy.info.index);
		const e: PolicyEntry = { key, policy, order: this.policies.get(key)?.order ?? ++this.order };
		this.policies.set(key, e);
		this.policyVersion++;
		return e;
	}

	delPolicy(key: string): boolean {
		this.policyVersion++;
		return this.policies.delete(key);
	}

	/** A full dump replaces everything; entries keep their install order when they survive. */
	replace(sas: XfrmSa[], policies: XfrmPolicy[]): void {
		const oldSas = new Map(this.sas), oldPolicies = new Map(this.policies);
		this.sas.clear();
		this.policies.clear();
		this.byReqid.clear();
		for (const sa of sas) {
			const e = this.putSa(sa);
			const old = oldSas.get(e.key);
			if (old) { e.order = old.order; e.dying = old.dying; }
		}
		for (const old of oldSas.values()) if (this.sas.get(old.key)?.sa !== old.sa) wipeKeys(old.sa);
		for (const p of policies) {
			const e = this.putPolicy(p);
			const old = oldPolicies.get(e.key);
			if (old) e.order = old.order;
		}
		this.policyVersion++;
		this.epoch++;
		this.changed = undefined;
	}
}
