// What the operator checks beyond the CRD schema, before it accepts a tunnel. The schema's
// patterns only see the shape of a value; here: exact addresses and prefixes, host bits,
// address families that cannot meet, port ranges, durations, proposal keywords strongSwan
// knows — plus the CEL rules' TypeScript twins (rules.ts), so a tunnel that reached us without
// CEL (an old API server, the standalone mode) is held to the same rules. Each problem names
// its field; the Accepted condition's message is built from them.
import { isIP } from 'node:net';
import type { Endpoint, IPsecTunnelSpec } from './ipsectunnel.js';
import { checkCrossFieldRules } from './rules.js';

export interface SpecProblem {
	field: string;
	message: string;
}

const ENCRYPTION = /^(aes(128|192|256)(gcm(8|12|16|64|96|128)|ccm(8|12|16|64|96|128)|ctr|gmac)?|chacha20poly1305|3des|camellia(128|192|256)(ctr)?|null)$/;
const INTEGRITY = /^(md5|sha1|sha256|sha384|sha512|sha1_160|sha256_96|aesxcbc|aescmac|aes(128|192|256)gmac)$/;
const PRF = /^prf(md5|sha1|sha256|sha384|sha512|aesxcbc|aescmac)$/;
const DH = /^(modp(768|1024|1536|2048|3072|4096|6144|8192)(s(160|224|256))?|ecp(192|224|256|384|521)(bp)?|x25519|x448|curve25519|curve448|esn|noesn)$/;
const AEAD = /(gcm|ccm)\d+$|^chacha20poly1305$/;

/** `4h`, `30m`, `1h30m`, `500ms` → milliseconds; undefined if it does not parse. */
export function parseDuration(text: string): number | undefined {
	const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
	const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
	if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
	return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? ''] ?? 0), 0);
}

/** The address family of a CIDR (4 or 6), or a problem with it. */
function checkCidr(cidr: string, field: string, problems: SpecProblem[]): 4 | 6 | undefined {
	const [address = '', prefixText = ''] = cidr.split('/');
	const family = isIP(address);
	const prefix = Number(prefixText);
	if (family === 0 || !/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
		problems.push({ field, message: `${JSON.stringify(cidr)} is not a valid CIDR` });
		return undefined;
	}
	if (family === 4) {
		const bits = address.split('.').reduce((n, octet) => (n << 8n) | BigInt(octet), 0n);
		const host = prefix === 32 ? 0n : bits & ((1n << BigInt(32 - prefix)) - 1n);
		if (host !== 0n) {
			const net = bits & ~((1n << BigInt(32 - prefix)) - 1n);
			const dotted = [24n, 16n, 8n, 0n].map((s) => String((net >> s) & 255n)).join('.');
			problems.push({ field, message: `${cidr} has host bits set; did you mean ${dotted}/${prefix}?` });
		}
	}
	return family as 4 | 6;
}

function checkEndpoint(e: Endpoint, side: 'local' | 'remote', problems: SpecProblem[]): Set<4 | 6> {
	const families = new Set<4 | 6>();
	e.subnets.forEach((cidr, i) => {
		const family = checkCidr(cidr, `spec.${side}.subnets[${i}]`, problems);
		if (family) families.add(family);
	});
	if (e.ports !== undefined) {
		const [lo = 0, hi = lo] = e.ports.split('-').map(Number);
		if (lo > 65535 || hi > 65535 || lo > hi) problems.push({ field: `spec.${side}.ports`, message: `${JSON.stringify(e.ports)} is not a port or an ascending port range up to 65535` });
	}
	if (e.protocol !== undefined && /^\d+$/.test(e.protocol) && Number(e.protocol) > 255) {
		problems.push({ field: `spec.${side}.protocol`, message: `protocol number ${e.protocol} is above 255` });
	}
	return families;
}

function checkProposals(list: string[] | undefined, field: string, kind: 'ike' | 'esp', problems: SpecProblem[]): void {
	(list ?? []).forEach((proposal, i) => {
		const tokens = proposal.split('-');
		const unknown = tokens.filter((t) => !ENCRYPTION.test(t) && !INTEGRITY.test(t) && !PRF.test(t) && !DH.test(t));
		if (unknown.length > 0) {
			problems.push({ field: `${field}[${i}]`, message: `unknown algorithm ${unknown.map((t) => JSON.stringify(t)).join(', ')} in ${JSON.stringify(proposal)}` });
			return;
		}
		const enc = tokens.filter((t) => ENCRYPTION.test(t));
		if (enc.length === 0) problems.push({ field: `${field}[${i}]`, message: `${JSON.stringify(proposal)} names no encryption algorithm` });
		else if (!enc.every((t) => AEAD.test(t)) && !tokens.some((t) => INTEGRITY.test(t))) {
			problems.push({ field: `${field}[${i}]`, message: `${JSON.stringify(proposal)} needs an integrity algorithm with a non-AEAD cipher` });
		}
		if (kind === 'ike' && !tokens.some((t) => DH.test(t) && t !== 'esn' && t !== 'noesn')) {
			problems.push({ field: `${field}[${i}]`, message: `${JSON.stringify(proposal)} names no key-exchange (DH) group` });
		}
	});
}

/**
 * The shape the rest of validateSpec relies on. The API server guarantees it when the CRD is
 * installed; an object from elsewhere (a stale CRD, the standalone YAML mode) may not have it,
 * and must get a condition, not a TypeError.
 */
function shapeProblems(spec: unknown): SpecProblem[] {
	const s = spec as Record<string, unknown> | null | undefined;
	if (!s || typeof s !== 'object') return [{ field: 'spec', message: 'Required value' }];
	const problems: SpecProblem[] = [];
	for (const side of ['local', 'remote'] as const) {
		const e = s[side] as Record<string, unknown> | undefined;
		if (!e || typeof e !== 'object') problems.push({ field: `spec.${side}`, message: 'Required value' });
		else if (!Array.isArray(e.subnets) || !e.subnets.every((x) => typeof x === 'string')) problems.push({ field: `spec.${side}.subnets`, message: 'must be a list of CIDRs' });
	}
	if (!s.auth || typeof s.auth !== 'object') problems.push({ field: 'spec.auth', message: 'Required value' });
	return problems;
}

export function validateSpec(spec: IPsecTunnelSpec): SpecProblem[] {
	const shape = shapeProblems(spec);
	if (shape.length > 0) return shape;
	const problems: SpecProblem[] = checkCrossFieldRules(spec).map((v) => ({ field: v.field, message: v.message }));
	const local = checkEndpoint(spec.local, 'local', problems);
	const remote = checkEndpoint(spec.remote, 'remote', problems);
	if (local.size > 0 && remote.size > 0 && ![...local].some((f) => remote.has(f))) {
		problems.push({ field: 'spec.remote.subnets', message: `local subnets are IPv${[...local].join('/IPv')} and remote subnets IPv${[...remote].join('/IPv')}: no address family in common` });
	}
	const la = spec.local.address;
	const ra = spec.remote.address;
	if (la && ra && isIP(la) && isIP(ra) && isIP(la) !== isIP(ra)) {
		problems.push({ field: 'spec.remote.address', message: `local address ${la} is IPv${isIP(la)} but remote address ${ra} is IPv${isIP(ra)}` });
	}
	spec.spokes?.forEach((spoke, i) => spoke.subnets.forEach((cidr, j) => checkCidr(cidr, `spec.spokes[${i}].subnets[${j}]`, problems)));
	spec.remoteAccess?.pools.forEach((cidr, i) => checkCidr(cidr, `spec.remoteAccess.pools[${i}]`, problems));
	checkProposals(spec.ike?.proposals, 'spec.ike.proposals', 'ike', problems);
	checkProposals(spec.esp?.proposals, 'spec.esp.proposals', 'esp', problems);
	for (const [field, text] of [['spec.ike.lifetime', spec.ike?.lifetime], ['spec.esp.lifetime', spec.esp?.lifetime], ['spec.dpd.delay', spec.dpd?.delay]] as const) {
		if (text !== undefined && parseDuration(text) === undefined) problems.push({ field, message: `${JSON.stringify(text)} is not a duration like 30s, 4h or 1h30m` });
	}
	const ike = spec.ike?.lifetime ? parseDuration(spec.ike.lifetime) : undefined;
	if (ike !== undefined && ike < 60_000) problems.push({ field: 'spec.ike.lifetime', message: `${spec.ike?.lifetime} is below the 1m minimum` });
	const esp = spec.esp?.lifetime ? parseDuration(spec.esp.lifetime) : undefined;
	if (esp !== undefined && esp < 60_000) problems.push({ field: 'spec.esp.lifetime', message: `${spec.esp?.lifetime} is below the 1m minimum` });
	return problems;
}
