// desired = f(kernel tables): the dataplane SAs and per-direction SPDs that mirror what the
// kernel holds, with the reason for everything that cannot be mirrored. Pure: the same
// tables always give the same result, so a restart, a missed event or a re-dump heals.
import type { DpPolicy, DpSa, Direction, Hex } from '../dataplane/types.js';
import { attr, type XfrmAttr } from '../xfrm/codec/attributes.js';
import { saDirection, spiHex, xfrmToPolicy, xfrmToSa, type SaContext } from '../xfrm/convert.js';
import type { UserTmpl } from '../xfrm/codec/user-tmpl.js';
import type { KernelTables, SaEntry } from '../xfrm/state.js';

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

export interface Unprogrammable {
	/** "sa <spi> <dst>" or "policy <index>" */
	what: string;
	reason: string;
}

export interface Desired {
	/** keyed by dpKey */
	sas: Map<string, DesiredSa>;
	policies: Record<Direction, DpPolicy[]>;
	unprogrammable: Map<string, Unprogrammable>;
}

/** The dataplane's identity of an SA: SPI + direction + outer destination. */
export function dpKey(spi: Hex | number, dir: Direction, dst: string): string {
	const n = typeof spi === 'number' ? spi >>> 0 : Number.parseInt(spi.slice(2), 16) >>> 0;
	return `${n}|${dir}|${dst}`;
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

export function computeDesired(tables: KernelTables, ctx: SaContext, scope?: MirrorScope): Desired {
	const sas = new Map<string, DesiredSa>();
	const unprogrammable = new Map<string, Unprogrammable>();
	// Candidates for templates: programmable SAs by direction and reqid.
	const byReqid: Record<Direction, Map<number, SaEntry[]>> = { in: new Map(), out: new Map() };

	for (const e of tables.sas.values()) {
		const { info, attrs } = e.sa;
		if (!inScope(scope, attrs, info.reqid)) continue;
		const c = xfrmToSa(e.sa, ctx);
		if (!c.ok) {
			const dir = saDirection(e.sa, ctx);
			unprogrammable.set(e.key, { what: `sa ${spiHex(info.id.spi)} ${dir} ${info.id.daddr}`, reason: c.reason });
			continue;
		}
		sas.set(dpKey(c.value.spi, c.value.dir, c.value.dst), { entry: e, sa: c.value });
		const list = byReqid[c.value.dir].get(info.reqid) ?? [];
		list.push(e);
		byReqid[c.value.dir].set(info.reqid, list);
	}

	const matches = (e: SaEntry, t: UserTmpl): boolean =>
		(t.id.daddr === '' || t.id.daddr === '0.0.0.0' || t.id.daddr === '::' || t.id.daddr === e.sa.info.id.daddr)
		&& (t.saddr === '' || t.saddr === '0.0.0.0' || t.saddr === '::' || t.saddr === e.sa.info.saddr)
		&& (t.id.spi === 0 || t.id.spi === e.sa.info.id.spi);
	const candidates = (t: UserTmpl, dir: Direction): SaEntry[] => {
		if (t.reqid) return (byReqid[dir].get(t.reqid) ?? []).filter(e => matches(e, t));
		// reqid 0: the kernel matches on the template's addresses alone.
		return [...byReqid[dir].values()].flat().filter(e => matches(e, t));
	};
	const resolve = (t: UserTmpl, dir: Direction): Hex[] => {
		const c = candidates(t, dir);
		if (dir === 'in') return c.sort((a, b) => (better(a, b) ? -1 : 1)).map(e => spiHex(e.sa.info.id.spi));
		let best: SaEntry | undefined;
		for (const e of c) if (!best || better(e, best)) best = e;
		return best ? [spiHex(best.sa.info.id.spi)] : [];
	};

	const policies: Record<Direction, Array<{ p: DpPolicy; order: number }>> = { in: [], out: [] };
	const seen = new Set<string>();
	for (const e of tables.policies.values()) {
		const { info, attrs } = e.policy;
		const reqid = attr(attrs, 'tmpl')?.[0]?.reqid;
		if (!inScope(scope, attrs, reqid)) continue;
		const c = xfrmToPolicy(e.policy, resolve);
		if (!c.ok) {
			unprogrammable.set(`policy ${e.key}`, { what: `policy ${info.index} dir ${info.dir} ${info.sel.saddr}/${info.sel.prefixlenS} -> ${info.sel.daddr}/${info.sel.prefixlenD}`, reason: c.reason });
			continue;
		}
		for (const p of c.value) {
			// XFRM's in and fwd policies both become the dataplane's inbound SPD: keep one of each.
			const id = JSON.stringify(p);
			if (seen.has(id)) continue;
			seen.add(id);
			policies[p.dir].push({ p, order: e.order });
		}
	}
	const ordered = (l: Array<{ p: DpPolicy; order: number }>) =>
		l.sort((a, b) => (a.p.priority ?? 0) - (b.p.priority ?? 0) || a.order - b.order).map(x => x.p);
	return { sas, policies: { in: ordered(policies.in), out: ordered(policies.out) }, unprogrammable };
}
