// The cross-field rules of IPsecTunnel, each written twice on purpose: as CEL for the API
// server (`x-kubernetes-validations` in the CRD) and as TypeScript for the operator and the
// API-server test double, which cannot run CEL. Both forms sit in one table so the message a
// user sees is the same whichever layer caught the mistake, and a test can hold the CEL text
// and the function side by side.
import type { Auth, Endpoint, IPsecTunnelSpec } from './ipsectunnel.js';

export interface CrossFieldRule<T> {
	cel: string;
	message: string;
	/** The field a violation is reported on, relative to `at`, Kubernetes style. */
	fieldPath?: string;
	check: (self: T) => boolean;
}

const has = (value: unknown): boolean => value !== undefined && value !== null;

export const authRules: CrossFieldRule<Auth>[] = [
	{
		cel: '[has(self.psk), has(self.x509), has(self.eap)].filter(x, x).size() == 1',
		message: 'exactly one of psk, x509 or eap must be set',
		check: (self) => [self.psk, self.x509, self.eap].filter(has).length === 1,
	},
];

export const endpointRules: CrossFieldRule<Endpoint>[] = [
	{
		cel: '!has(self.ports) || has(self.protocol)',
		message: 'ports needs a protocol',
		fieldPath: '.ports',
		check: (self) => !has(self.ports) || has(self.protocol),
	},
];

export const specRules: CrossFieldRule<IPsecTunnelSpec>[] = [
	{
		cel: "!has(self.local.address) || self.local.address != '%any'",
		message: 'local.address cannot be %any',
		fieldPath: '.local.address',
		check: (self) => self.local.address !== '%any',
	},
	{
		cel: "!has(self.spokes) || (has(self.remote.address) && self.remote.address == '%any')",
		message: 'spokes need remote.address %any (hub mode)',
		fieldPath: '.spokes',
		check: (self) => !has(self.spokes) || self.remote.address === '%any',
	},
	{
		cel: "!has(self.remoteAccess) || (has(self.remote.address) && self.remote.address == '%any')",
		message: 'remoteAccess needs remote.address %any',
		fieldPath: '.remoteAccess',
		check: (self) => !has(self.remoteAccess) || self.remote.address === '%any',
	},
	{
		// the dataplane's range: below Linux's TCP_MIN_MSS (88) no TCP stack would take it
		cel: '!has(self.mssClamp) || self.mssClamp == 0 || self.mssClamp >= 88',
		message: 'mssClamp must be 0 (off) or at least 88',
		fieldPath: '.mssClamp',
		check: (self) => !has(self.mssClamp) || self.mssClamp === 0 || (self.mssClamp ?? 0) >= 88,
	},
	{
		cel: '!has(self.mssClamp) || !has(self.mtu) || self.mssClamp == 0 || self.mssClamp <= self.mtu - 40',
		message: 'mssClamp must be at most mtu - 40',
		fieldPath: '.mssClamp',
		check: (self) => !has(self.mssClamp) || !has(self.mtu) || self.mssClamp === 0 || (self.mssClamp ?? 0) <= (self.mtu ?? 0) - 40,
	},
];

export interface RuleViolation {
	/** Full field path from the object root, e.g. `spec.auth`. */
	field: string;
	message: string;
}

/** Run every cross-field rule on a spec (assumed schema-valid) — what CEL does in the API server. */
export function checkCrossFieldRules(spec: IPsecTunnelSpec): RuleViolation[] {
	const out: RuleViolation[] = [];
	const run = <T>(rules: CrossFieldRule<T>[], self: T, base: string): void => {
		for (const rule of rules) {
			if (rule.check(self)) continue;
			out.push({ field: `${base}${rule.fieldPath ?? ''}`, message: rule.message });
		}
	};
	run(specRules, spec, 'spec');
	run(authRules, spec.auth, 'spec.auth');
	run(endpointRules, spec.local, 'spec.local');
	run(endpointRules, spec.remote, 'spec.remote');
	return out;
}
