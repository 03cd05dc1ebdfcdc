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
	private order = 0;

	putSa(sa: XfrmSa): SaEntry {
		const { info, attrs } = sa;
		const key = saKeyOf(info.id.daddr, info.id.spi, info.id.proto, info.family, attrs);
		const old = this.sas.get(key);
		// An update keeps its place in install order: UPDSA is how charon completes an inbound SA.
		const e: SaEntry = { key, sa, order: old?.order ?? ++this.order, dying: old?.dying ?? false };
		this.sas.set(key, e);
		return e;
	}

	delSa(key: string): boolean {
		return this.sas.delete(key);
	}

	putPolicy(policy: XfrmPolicy): PolicyEntry {
		const key = policyKeyOf(policy.info.index);
		const e: PolicyEntry = { key, policy, order: this.policies.get(key)?.order ?? ++this.order };
		this.policies.set(key, e);
		return e;
	}

	delPolicy(key: string): boolean {
		return this.policies.delete(key);
	}

	/** A full dump replaces everything; entries keep their install order when they survive. */
	replace(sas: XfrmSa[], policies: XfrmPolicy[]): void {
		const oldSas = new Map(this.sas), oldPolicies = new Map(this.policies);
		this.sas.clear();
		this.policies.clear();
		for (const sa of sas) {
			const e = this.putSa(sa);
			const old = oldSas.get(e.key);
			if (old) { e.order = old.order; e.dying = old.dying; }
		}
		for (const p of policies) {
			const e = this.putPolicy(p);
			const old = oldPolicies.get(e.key);
			if (old) e.order = old.order;
		}
	}
}
