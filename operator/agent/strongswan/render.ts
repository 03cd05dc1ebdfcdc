// IPsecTunnel spec → what charon is told over VICI. A pure function: the same (namespace,
// name, spec, secrets) always gives the same names and the same messages, so the reconciler
// can diff desired against what charon reports and re-apply everything after a restart.
//
//   specToVici(ns, name, spec, secrets, opts) => {conns, shared, certs, keys, pools}
//
// Names: the IKE config and its CHILD config are both `<namespace>/<name>` (a namespace is a
// DNS label, so '/' cannot be part of it and names never collide); a hub gets one IKE config
// per spoke, `<namespace>/<name>/<spoke id>`. Shared secrets, pools follow the same scheme.
//
// Not charon's business, so not rendered: mtu and mssClamp (the dataplane, or iptables with
// the kernel's ESP: mss-clamps.ts), gateway (the operator). natTraversal: `force` renders encap=yes; `auto` and `off` render nothing, as
// strongSwan 5.9 has no per-connection switch to refuse NAT-T once it detects a NAT.
//
// The spec is validated on the way: identities, subnets, the one-auth-method rule, secrets
// present, and — with the DPDK dataplane — every ESP proposal must be one the dataplane runs
// (operator/api/algorithms.ts). Secret values only ever land in the returned objects; they
// are never put into an error message or a log line.
import { isIP } from 'node:net';
import { espProposal } from '../../api/algorithms.js';
import type { Endpoint, IPsecTunnelSpec } from '../../api/ipsectunnel.js';
import { checkCrossFieldRules } from '../../api/rules.js';
import type { ViciInput } from '../../vici/codec.js';
import type { CertificateLoad, KeyLoad, SharedSecret } from '../../vici/commands.js';
import { TunnelSpecError } from './spec-error.js';

/** The tunnel's Secret values, resolved by the caller. */
export interface TunnelSecrets {
	/** auth.psk: the pre-shared key. */
	psk?: string;
	/** auth.x509: the kubernetes.io/tls Secret's PEM blocks. */
	x509?: { cert: string; key: string; ca?: string };
	/** auth.eap: user name → password. */
	eapUsers?: Record<string, string>;
}

export interface RenderOptions {
	/** Overrides spec.dataplane (e.g. an agent that only has the kernel). Default: spec, else dpdk. */
	dataplane?: 'dpdk' | 'kernel';
}

export interface RenderedTunnel {
	/** IKE config name → load-conn body. */
	conns: Record<string, ViciInput>;
	shared: SharedSecret[];
	certs: CertificateLoad[];
	keys: KeyLoad[];
	/** pool name → load-pool body. */
	pools: Record<string, ViciInput>;
	/** CHILD config names, for initiate/terminate/rekey and status. */
	children: string[];
}

// strongSwan DH group and ESN keywords that may trail an ESP proposal (PFS, sequence numbers).
const DH_GROUPS = new Set(['modp2048', 'modp3072', 'modp4096', 'modp6144', 'modp8192', 'ecp256', 'ecp384', 'ecp521', 'ecp224', 'x25519', 'curve25519', 'x448', 'curve448', 'ecp256bp', 'ecp384bp', 'ecp512bp']);
const ESN = new Set(['esn', 'noesn']);
/** Keys of an EAP users Secret that carry the gateway's certificate, not users. */
export const EAP_RESERVED_KEYS: ReadonlySet<string> = new Set(['tls.crt', 'tls.key', 'ca.crt']);
const PROPOSAL = /^[a-z0-9_]+(-[a-z0-9_]+)*$/;

export function connName(namespace: string, name: string): string {
	return `${namespace}/${name}`;
}

function fail(field: string, reason: string): never {
	throw new TunnelSpecError(field, reason);
}

/** An IKE identity as strongSwan parses it; refuse what it would silently misread. */
export function checkIdentity(id: string, field: string): void {
	if (id.length === 0 || id.length > 255) fail(field, 'identity must be 1..255 characters');
	if (/[\x00-\x1f\x7f]/.test(id)) fail(field, 'identity contains control characters');
	if (id !== id.trim()) fail(field, 'identity has leading or trailing white space');
	if (id === '%any') return;
	if (isIP(id)) return;
	if (id.includes('=')) {
		// An X.509 DN: RDNs `attr=value` separated by ',' or '/'.
		const rdns = id.replace(/^\//, '').split(/\s*[,/]\s*/);
		for (const rdn of rdns) {
			if (!/^[A-Za-z][A-Za-z0-9.]*=.+$/.test(rdn)) fail(field, `'${rdn}' is not an attribute=value pair of a distinguished name`);
		}
		return;
	}
	if (/\s/.test(id)) fail(field, 'identity contains white space (only a distinguished name may)');
	if (id.startsWith('@')) {
		const rest = id.replace(/^@#?/, '');
		if (rest.length === 0) fail(field, `'${id}' names no host`);
		return;
	}
	const at = id.indexOf('@');
	if (at >= 0) {
		if (at === 0 || at === id.length - 1 || id.indexOf('@', at + 1) >= 0) fail(field, `'${id}' is not user@domain`);
		return;
	}
	if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/.test(id)) fail(field, `'${id}' is neither an IP, @fqdn, user@fqdn nor a distinguished name`);
}

function checkCidr(cidr: string, field: string): void {
	const [ip, len, extra] = cidr.split('/');
	const family = isIP(ip ?? '');
	const bits = Number(len);
	if (extra !== undefined || family === 0 || len === undefined || !/^\d+$/.test(len) || bits > (family === 4 ? 32 : 128)) fail(field, `'${cidr}' is not a CIDR`);
}

function checkAddress(addr: string, field: string): void {
	if (addr === '%any' || isIP(addr)) return;
	if (!/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/.test(addr)) fail(field, `'${addr}' is neither an IP address nor a DNS name`);
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A spec duration (`4h`, `1h30m`, `500ms`) as the whole seconds charon takes. */
function duration(v: string, field: string): number {
	if (!/^(\d+(ms|s|m|h|d))+$/.test(v)) fail(field, `'${v}' is not a duration like 30m or 4h`);
	let seconds = 0;
	for (const m of v.matchAll(/(\d+)(ms|s|m|h|d)/g)) seconds += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
	return Math.ceil(seconds);
}

/** Check one ESP proposal; with the DPDK dataplane its algorithms must be in the table. */
function checkEspProposal(p: string, field: string, dataplane: 'dpdk' | 'kernel'): void {
	if (!PROPOSAL.test(p)) fail(field, `'${p}' is not a proposal (tokens of a-z 0-9 _ joined by '-')`);
	if (dataplane !== 'dpdk') return; // charon itself judges kernel-dataplane proposals
	const algs = p.split('-').filter((t) => !DH_GROUPS.has(t) && !ESN.has(t));
	if (algs.length === 0) fail(field, `'${p}' names no encryption algorithm`);
	const keyword = algs.join('-');
	if (!espProposal(keyword)) {
		fail(field, `'${p}': the DPDK dataplane does not implement '${keyword}' (it runs aes{128,192,256}gcm{8,12,16}, chacha20poly1305, aes{128,192,256}-sha1, aes{128,192,256}-sha256)`);
	}
}

function trafficSelectors(ep: Endpoint, field: string): string[] {
	ep.subnets.forEach((s, i) => checkCidr(s, `${field}.subnets[${i}]`));
	if (ep.protocol === undefined) return [...ep.subnets];
	// strongSwan's selector syntax: 10.1.0.0/24[tcp/443] or [udp/1000-2000]
	const proto = ep.protocol;
	const ports = ep.ports ?? '';
	if (ports !== '' && !/^\d{1,5}(-\d{1,5})?$/.test(ports)) fail(`${field}.ports`, `'${ports}' is not a port or port range`);
	return ep.subnets.map((s) => `${s}[${proto}${ports === '' ? '' : `/${ports}`}]`);
}

type AuthRender = { local: Record<string, ViciInput[string]>; remote: Record<string, ViciInput[string]> };

export function specToVici(namespace: string, name: string, spec: IPsecTunnelSpec, secrets: TunnelSecrets, opts: RenderOptions = {}): RenderedTunnel {
	const base = connName(namespace, name);
	const dataplane = opts.dataplane ?? spec.dataplane ?? 'dpdk';

	for (const v of checkCrossFieldRules(spec)) fail(v.field, v.message);
	if (spec.local.address !== undefined) checkAddress(spec.local.address, 'spec.local.address');
	if (spec.remote.address !== undefined) checkAddress(spec.remote.address, 'spec.remote.address');
	if (spec.local.id !== undefined) checkIdentity(spec.local.id, 'spec.local.id');
	if (spec.remote.id !== undefined) checkIdentity(spec.remote.id, 'spec.remote.id');
	const localTs = trafficSelectors(spec.local, 'spec.local');
	const remoteTs = trafficSelectors(spec.remote, 'spec.remote');
	const spokes = spec.spokes ?? [];
	spokes.forEach((s, i) => {
		checkIdentity(s.id, `spec.spokes[${i}].id`);
		s.subnets.forEach((c, j) => checkCidr(c, `spec.spokes[${i}].subnets[${j}]`));
	});
	const ids = new Set(spokes.map((s) => s.id));
	if (ids.size !== spokes.length) fail('spec.spokes', 'spoke identities must be unique');

	const version = spec.ike?.version ?? 2;
	const espProposals = spec.esp?.proposals ?? (dataplane === 'dpdk' ? ['aes128gcm16', 'aes256gcm16'] : undefined);
	espProposals?.forEach((p, i) => checkEspProposal(p, `spec.esp.proposals[${i}]`, dataplane));
	spec.ike?.proposals?.forEach((p, i) => {
		if (!PROPOSAL.test(p)) fail(`spec.ike.proposals[${i}]`, `'${p}' is not a proposal (tokens of a-z 0-9 _ joined by '-')`);
	});

	const localId = spec.local.id ?? spec.local.address;
	const out: RenderedTunnel = { conns: {}, shared: [], certs: [], keys: [], pools: {}, children: [] };

	// ---- authentication
	const auth: AuthRender = { local: {}, remote: {} };
	const { psk, x509, eap } = spec.auth;
	if (psk) {
		if (secrets.psk === undefined || secrets.psk.length === 0) fail('spec.auth.psk.secretRef', `Secret '${psk.secretRef.name}' key '${psk.secretRef.key}' has no value`);
		auth.local = { auth: 'psk' };
		auth.remote = { auth: 'psk' };
		const owners = [localId, ...(spokes.length > 0 ? spokes.map((s) => s.id) : [spec.remote.id ?? spec.remote.address])].filter((o): o is string => o !== undefined && o !== '%any');
		out.shared.push({ id: `${base}/psk`, type: 'IKE', data: secrets.psk, owners });
	} else if (x509) {
		const tls = secrets.x509;
		if (!tls || !tls.cert.includes('-----BEGIN CERTIFICATE-----')) fail('spec.auth.x509.secretName', `Secret '${x509.secretName}' has no PEM certificate in tls.crt`);
		if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(tls.key)) fail('spec.auth.x509.secretName', `Secret '${x509.secretName}' has no PEM private key in tls.key`);
		auth.local = { auth: 'pubkey', certs: [tls.cert] };
		auth.remote = { auth: 'pubkey' };
		if (tls.ca !== undefined) {
			if (!tls.ca.includes('-----BEGIN CERTIFICATE-----')) fail('spec.auth.x509.secretName', `Secret '${x509.secretName}' ca.crt is not a PEM certificate`);
			auth.remote['cacerts'] = [tls.ca];
			out.certs.push({ type: 'x509', flag: 'ca', data: tls.ca });
		}
		out.keys.push({ type: 'any', data: tls.key });
	} else if (eap) {
		// Remote-access clients (phones, laptops) authenticate with EAP; the gateway proves
		// itself with a certificate, which native IKEv2 clients insist on. With one auth method
		// per spec, that certificate travels in the users Secret under the kubernetes.io/tls
		// key names (tls.crt, tls.key); every other key is a user.
		const entries = Object.entries(secrets.eapUsers ?? {});
		const users = entries.filter(([u]) => !EAP_RESERVED_KEYS.has(u));
		const gw = Object.fromEntries(entries.filter(([u]) => EAP_RESERVED_KEYS.has(u)));
		const secretName = eap.usersSecretRef.name;
		if (!gw['tls.crt']?.includes('-----BEGIN CERTIFICATE-----') || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(gw['tls.key'] ?? '')) {
			fail('spec.auth.eap.usersSecretRef', `Secret '${secretName}' needs tls.crt and tls.key: the gateway certificate EAP clients verify`);
		}
		if (users.length === 0) fail('spec.auth.eap.usersSecretRef', `Secret '${secretName}' has no users`);
		auth.local = { auth: 'pubkey', certs: [gw['tls.crt'] as string] };
		auth.remote = { auth: `eap-${eap.method}`, eap_id: '%any' };
		out.keys.push({ type: 'any', data: gw['tls.key'] as string });
		for (const [user, password] of users) {
			if (password.length === 0) fail('spec.auth.eap.usersSecretRef', `Secret '${secretName}' user '${user}' has an empty password`);
			out.shared.push({ id: `${base}/eap/${user}`, type: 'EAP', data: password, owners: [user] });
		}
	} else {
		fail('spec.auth', 'exactly one of psk, x509 or eap must be set');
	}
	if (spec.local.id !== undefined) auth.local['id'] = spec.local.id;

	// ---- pools for remote-access clients
	const poolNames: string[] = [];
	spec.remoteAccess?.pools.forEach((cidr, i) => {
		checkCidr(cidr, `spec.remoteAccess.pools[${i}]`);
		const pool = spec.remoteAccess!.pools.length === 1 ? base : `${base}/${i}`;
		poolNames.push(pool);
		out.pools[pool] = { addrs: cidr, dns: spec.remoteAccess?.dns };
	});
	spec.remoteAccess?.dns?.forEach((d, i) => {
		if (isIP(d) === 0) fail(`spec.remoteAccess.dns[${i}]`, `'${d}' is not an IP address`);
	});

	// ---- the IKE and CHILD configs
	// A responder for %any has no one to start towards: it waits unless told otherwise.
	const startAction = { start: 'start', add: 'none', trap: 'trap' }[spec.startAction ?? (spec.remote.address === '%any' || spec.remote.address === undefined ? 'add' : 'start')];
	const child = (remote: string[]): ViciInput => ({
		mode: 'tunnel',
		local_ts: localTs,
		remote_ts: remote,
		esp_proposals: espProposals,
		rekey_time: spec.esp?.lifetime !== undefined ? duration(spec.esp.lifetime, 'spec.esp.lifetime') : undefined,
		rekey_bytes: spec.esp?.lifeBytes,
		rekey_packets: spec.esp?.lifePackets,
		replay_window: spec.esp?.replayWindow,
		start_action: startAction,
		dpd_action: spec.dpd?.action,
		close_action: spec.dpd?.action === 'restart' ? 'start' : undefined,
	});
	const conn = (remoteId: string | undefined, remote: string[], childName: string): ViciInput => ({
		version,
		local_addrs: spec.local.address !== undefined ? [spec.local.address] : undefined,
		remote_addrs: [spec.remote.address ?? '%any'],
		proposals: spec.ike?.proposals,
		rekey_time: spec.ike?.lifetime !== undefined ? duration(spec.ike.lifetime, 'spec.ike.lifetime') : undefined,
		dpd_delay: spec.dpd?.delay !== undefined ? duration(spec.dpd.delay, 'spec.dpd.delay') : undefined,
		encap: spec.natTraversal === 'force' ? true : undefined,
		// A tunnel that starts itself keeps trying until the peer answers (strongSwan's default
		// is one attempt): a peer that was down, rebooting or throttling half-open IKE_SAs
		// (block_threshold) is reached when it is back, with nobody re-initiating by hand.
		keyingtries: startAction === 'start' ? 0 : undefined,
		// Hubs and remote-access gateways see each peer once; a re-connecting peer replaces its old SA.
		unique: spec.remote.address === '%any' ? 'replace' : undefined,
		pools: poolNames.length > 0 ? poolNames : undefined,
		local: { ...auth.local },
		remote: { ...auth.remote, ...(remoteId !== undefined ? { id: remoteId } : {}) },
		children: { [childName]: child(remote) },
	});

	if (spokes.length > 0) {
		for (const [i, s] of spokes.entries()) {
			const n = `${base}/${s.id}`;
			// VICI names are at most 255 bytes; refuse here rather than fail at load time.
			if (Buffer.byteLength(n) > 255) fail(`spec.spokes[${i}].id`, `'${n.slice(0, 40)}…' is too long for a strongSwan config name (255 bytes)`);
			out.conns[n] = conn(s.id, s.subnets.map((c) => (spec.remote.protocol ? `${c}[${spec.remote.protocol}${spec.remote.ports ? `/${spec.remote.ports}` : ''}]` : c)), n);
			out.children.push(n);
		}
	} else {
		// Remote-access clients: 'dynamic' is narrowed to the virtual IP each client was given,
		// so every client gets a /32 policy of its own instead of all sharing the pool's.
		const remote = poolNames.length > 0 ? ['dynamic'] : remoteTs;
		out.conns[base] = conn(spec.remote.id, remote, base);
		out.children.push(base);
	}
	return out;
}
