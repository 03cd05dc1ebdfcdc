// The paired converter of render.ts: both what we send (a load-conn body) and what charon
// reports back (a list-conns entry) reduce to the same summary, so a round-trip test can
// assert `summarizeRendered(sent) == summarizeListed(charon's view)` and status code can
// tell whether charon holds the configuration we meant.
import type { ViciInput, ViciSection, ViciValue } from '../../vici/codec.js';

export interface ConnSummary {
	version: string;
	localAddrs: string[];
	remoteAddrs: string[];
	local: { auth: string; id?: string };
	remote: { auth: string; id?: string };
	children: Record<string, { mode: string; localTs: string[]; remoteTs: string[] }>;
}

// charon's names for auth classes (auth_class_names in libcharon).
const AUTH_CLASS: Record<string, string> = { psk: 'pre-shared key', pubkey: 'public key', rsa: 'public key', ecdsa: 'public key', eap: 'EAP' };

function authClass(auth: string): string {
	return AUTH_CLASS[auth] ?? (auth.startsWith('eap') ? 'EAP' : auth);
}

/** charon prints an @fqdn identity without the '@' (and @#hex as hex). */
function identity(id: string): string {
	return id.startsWith('@#') ? id.slice(2) : id.startsWith('@') ? id.slice(1) : id;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function withId<T extends { auth: string }>(base: T, id: unknown): T & { id?: string } {
	return typeof id === 'string' && id !== '%any' ? { ...base, id: identity(id) } : base;
}

/** What a load-conn body asks for. */
export function summarizeRendered(conn: ViciInput): ConnSummary {
	const c = rec(conn);
	const local = rec(c['local']);
	const remote = rec(c['remote']);
	const children: ConnSummary['children'] = {};
	for (const [name, ch] of Object.entries(rec(c['children']))) {
		const x = rec(ch);
		children[name] = { mode: String(x['mode'] ?? 'tunnel').toUpperCase(), localTs: strs(x['local_ts']), remoteTs: strs(x['remote_ts']) };
	}
	return {
		version: `IKEv${String(c['version'] ?? 2)}`,
		localAddrs: c['local_addrs'] === undefined ? ['%any'] : strs(c['local_addrs']),
		remoteAddrs: c['remote_addrs'] === undefined ? ['%any'] : strs(c['remote_addrs']),
		local: withId({ auth: authClass(String(local['auth'] ?? 'pubkey')) }, local['id']),
		remote: withId({ auth: authClass(String(remote['auth'] ?? 'pubkey')) }, remote['id']),
		children,
	};
}

function section(v: ViciValue | undefined): ViciSection {
	return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** What charon reports for one IKE config in list-conns. */
export function summarizeListed(conn: ViciSection): ConnSummary {
	const local = section(conn['local-1']);
	const remote = section(conn['remote-1']);
	const children: ConnSummary['children'] = {};
	for (const [name, ch] of Object.entries(section(conn['children']))) {
		const x = section(ch);
		children[name] = { mode: String(x['mode'] ?? ''), localTs: strs(x['local-ts']), remoteTs: strs(x['remote-ts']) };
	}
	return {
		version: String(conn['version'] ?? ''),
		localAddrs: strs(conn['local_addrs']),
		remoteAddrs: strs(conn['remote_addrs']),
		local: withId({ auth: String(local['class'] ?? '') }, local['id']),
		remote: withId({ auth: String(remote['class'] ?? '') }, remote['id']),
		children,
	};
}
