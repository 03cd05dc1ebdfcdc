// Typed wrappers for the VICI commands esplane uses, documented like the vici README as
// `{args} => {result}`. Every wrapper that charon answers with `success` turns `success = no`
// into a ViciCommandError carrying charon's `errmsg`. Messages that carry secrets (load-shared,
// load-key) are never logged by the client; only command names are.
import type { ViciInput, ViciSection, ViciValue } from './codec.js';
import type { RequestOptions, ViciClient } from './client.js';
import { ViciCommandError, isViciUnknownError } from './errors.js';

/** Event names charon sends to subscribers (besides the streamed list-sa / list-conn). */
export const EVENTS = ['ike-updown', 'child-updown', 'ike-rekey', 'child-rekey', 'alert'] as const;
export type ViciEventName = (typeof EVENTS)[number];

/**
 * Subscribe to every event esplane uses that this charon knows; returns the ones it does not
 * (`alert` arrived after 5.9.8), so an older charon is a logged fact, not a failure.
 */
export async function subscribeEvents(c: ViciClient, events: readonly string[] = EVENTS): Promise<string[]> {
	const unknown: string[] = [];
	for (const ev of events) {
		try {
			await c.subscribe(ev);
		} catch (e) {
			if (!isViciUnknownError(e)) throw e;
			unknown.push(ev);
		}
	}
	return unknown;
}

function checked(command: string, r: ViciSection): ViciSection {
	if (r['success'] === 'no') {
		const errmsg = typeof r['errmsg'] === 'string' ? r['errmsg'] : 'no errmsg given';
		throw new ViciCommandError(command, errmsg);
	}
	return r;
}

async function call(c: ViciClient, command: string, args: ViciInput = {}, opts?: RequestOptions): Promise<ViciSection> {
	return checked(command, await c.request(command, args, opts));
}

export function str(v: ViciValue | undefined): string | undefined {
	return typeof v === 'string' ? v : undefined;
}
export function list(v: ViciValue | undefined): string[] {
	return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** `version {} => {daemon, version, sysname, release, machine}` */
export async function version(c: ViciClient): Promise<{ daemon: string; version: string; sysname: string; release: string; machine: string }> {
	const r = await c.request('version');
	return { daemon: str(r['daemon']) ?? '', version: str(r['version']) ?? '', sysname: str(r['sysname']) ?? '', release: str(r['release']) ?? '', machine: str(r['machine']) ?? '' };
}

/** `stats {} => {uptime {running, since}, workers {…}, queues {…}, scheduled, ikesas {total, half-open}, plugins [], …}` */
export function stats(c: ViciClient): Promise<ViciSection> {
	return c.request('stats');
}

/** `load-conn {<IKE_SA config name> = {<IKE_SA config>}} => {success, errmsg}` — replaces a config of the same name. */
export async function loadConn(c: ViciClient, name: string, conn: ViciInput): Promise<void> {
	await call(c, 'load-conn', { [name]: conn });
}

/** `unload-conn {name} => {success, errmsg}` */
export async function unloadConn(c: ViciClient, name: string): Promise<void> {
	await call(c, 'unload-conn', { name });
}

/** `get-conns {} => {conns = [names]}` — connections loaded over VICI. */
export async function getConns(c: ViciClient): Promise<string[]> {
	return list((await c.request('get-conns'))['conns']);
}

export interface SharedSecret {
	/** Unique identifier, so the secret can be replaced and unloaded. */
	id: string;
	type: 'IKE' | 'EAP' | 'XAUTH' | 'NTLM' | 'PPK';
	data: string | Uint8Array;
	/** Identities the secret belongs to; none means "any". */
	owners: string[];
}

/** `load-shared {id, type, data, owners = []} => {success, errmsg}` */
export async function loadShared(c: ViciClient, s: SharedSecret): Promise<void> {
	await call(c, 'load-shared', { id: s.id, type: s.type, data: s.data, owners: s.owners });
}

/** `unload-shared {id} => {success, errmsg}` */
export async function unloadShared(c: ViciClient, id: string): Promise<void> {
	await call(c, 'unload-shared', { id });
}

/** `get-shared {} => {keys = [ids]}` — unique ids of loaded shared secrets. */
export async function getShared(c: ViciClient): Promise<string[]> {
	return list((await c.request('get-shared'))['keys']);
}

export interface CertificateLoad {
	type: 'x509' | 'x509ca' | 'x509aa' | 'x509crl' | 'x509ac' | 'pubkey';
	flag?: 'none' | 'ca' | 'aa' | 'ocsp';
	/** PEM or DER. */
	data: string | Uint8Array;
}

/** `load-cert {type, flag, data} => {success, errmsg}` */
export async function loadCert(c: ViciClient, cert: CertificateLoad): Promise<void> {
	await call(c, 'load-cert', { type: cert.type, flag: cert.flag ?? 'none', data: cert.data });
}

export interface KeyLoad {
	type: 'any' | 'rsa' | 'ecdsa' | 'bliss' | 'ed25519' | 'ed448';
	/** PEM or DER private key. */
	data: string | Uint8Array;
}

/** `load-key {type, data} => {success, errmsg, id}` — id is the key's subjectPublicKeyInfo hash. */
export async function loadKey(c: ViciClient, key: KeyLoad): Promise<string> {
	const r = await call(c, 'load-key', { type: key.type, data: key.data });
	return str(r['id']) ?? '';
}

/** `unload-key {id} => {success, errmsg}` */
export async function unloadKey(c: ViciClient, id: string): Promise<void> {
	await call(c, 'unload-key', { id });
}

/** `get-keys {} => {keys = [ids]}` */
export async function getKeys(c: ViciClient): Promise<string[]> {
	return list((await c.request('get-keys'))['keys']);
}

/** `load-pool {<pool name> = {addrs, <attribute> = [values]}} => {success, errmsg}` */
export async function loadPool(c: ViciClient, name: string, pool: ViciInput): Promise<void> {
	await call(c, 'load-pool', { [name]: pool });
}

/** `unload-pool {name} => {success, errmsg}` */
export async function unloadPool(c: ViciClient, name: string): Promise<void> {
	await call(c, 'unload-pool', { name });
}

/** `get-pools {leases?, name?} => {<pool name> = {base, size, online, offline, leases?}}` */
export function getPools(c: ViciClient, args: { leases?: boolean; name?: string } = {}): Promise<ViciSection> {
	return c.request('get-pools', { leases: args.leases, name: args.name });
}

export interface SaSelector {
	child?: string;
	ike?: string;
	'child-id'?: number;
	'ike-id'?: number;
}

/**
 * `initiate {child, ike, timeout, init-limits, loglevel} => {success, errmsg}` — waits until
 * the CHILD_SA is up or failed unless timeout = -1 (then it returns at once).
 */
export async function initiate(c: ViciClient, args: { child?: string; ike?: string; timeoutMs?: number }, opts?: RequestOptions): Promise<void> {
	await call(c, 'initiate', { child: args.child, ike: args.ike, timeout: args.timeoutMs }, opts);
}

/** `terminate {child, ike, child-id, ike-id, force, timeout} => {success, matches, terminated, errmsg}` */
export async function terminate(c: ViciClient, sel: SaSelector & { force?: boolean; timeoutMs?: number }, opts?: RequestOptions): Promise<{ matches: number; terminated: number }> {
	const r = await call(c, 'terminate', { child: sel.child, ike: sel.ike, 'child-id': sel['child-id'], 'ike-id': sel['ike-id'], force: sel.force, timeout: sel.timeoutMs }, opts);
	return { matches: Number(str(r['matches']) ?? 0), terminated: Number(str(r['terminated']) ?? 0) };
}

/** `rekey {child, ike, child-id, ike-id, reauth} => {success, matches, errmsg}` — starts the rekeying, does not wait. */
export async function rekey(c: ViciClient, sel: SaSelector & { reauth?: boolean }): Promise<{ matches: number }> {
	const r = await call(c, 'rekey', { child: sel.child, ike: sel.ike, 'child-id': sel['child-id'], 'ike-id': sel['ike-id'], reauth: sel.reauth });
	return { matches: Number(str(r['matches']) ?? 0) };
}

/** One IKE SA as list-sas reports it (the fields esplane reads; the rest stays in `raw`). */
export interface IkeSaInfo {
	name: string;
	uniqueid: string;
	version: string;
	state: string;
	localHost: string;
	remoteHost: string;
	localId: string;
	remoteId: string;
	/** e.g. AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519 */
	proposal: string;
	/** Virtual IPs the peer handed to us / we handed to the peer. */
	localVips: string[];
	remoteVips: string[];
	children: ChildSaInfo[];
	raw: ViciSection;
}

export interface ChildSaInfo {
	name: string;
	uniqueid: string;
	reqid: string;
	state: string;
	mode: string;
	protocol: string;
	encap: boolean;
	spiIn: string;
	spiOut: string;
	/** e.g. AES_GCM_16-128 or AES_CBC-128/HMAC_SHA2_256_128, plus /<DH group> with PFS */
	proposal: string;
	bytesIn: number;
	bytesOut: number;
	packetsIn: number;
	packetsOut: number;
	localTs: string[];
	remoteTs: string[];
	raw: ViciSection;
}

function sec(v: ViciValue | undefined): ViciSection {
	return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function proposalOf(s: ViciSection): string {
	const parts = [str(s['encr-alg']) + (s['encr-keysize'] ? `-${str(s['encr-keysize'])}` : ''), str(s['integ-alg']), str(s['prf-alg']), str(s['dh-group'])];
	return parts.filter((p): p is string => p !== undefined && p !== 'undefined').join('/');
}

function childInfo(name: string, s: ViciSection): ChildSaInfo {
	return {
		name: str(s['name']) ?? name,
		uniqueid: str(s['uniqueid']) ?? '',
		reqid: str(s['reqid']) ?? '',
		state: str(s['state']) ?? '',
		mode: str(s['mode']) ?? '',
		protocol: str(s['protocol']) ?? '',
		encap: s['encap'] === 'yes',
		spiIn: str(s['spi-in']) ?? '',
		spiOut: str(s['spi-out']) ?? '',
		proposal: proposalOf(s),
		bytesIn: Number(str(s['bytes-in']) ?? 0),
		bytesOut: Number(str(s['bytes-out']) ?? 0),
		packetsIn: Number(str(s['packets-in']) ?? 0),
		packetsOut: Number(str(s['packets-out']) ?? 0),
		localTs: list(s['local-ts']),
		remoteTs: list(s['remote-ts']),
		raw: s,
	};
}

function ikeInfo(name: string, s: ViciSection): IkeSaInfo {
	return {
		name,
		uniqueid: str(s['uniqueid']) ?? '',
		version: str(s['version']) ?? '',
		state: str(s['state']) ?? '',
		localHost: str(s['local-host']) ?? '',
		remoteHost: str(s['remote-host']) ?? '',
		localId: str(s['local-id']) ?? '',
		remoteId: str(s['remote-id']) ?? '',
		proposal: proposalOf(s),
		localVips: list(s['local-vips']),
		remoteVips: list(s['remote-vips']),
		children: Object.entries(sec(s['child-sas'])).map(([n, c]) => childInfo(n, sec(c))),
		raw: s,
	};
}

/** `list-sas {noblock, ike, ike-id} => {}`, streaming `list-sa {<IKE_SA name> = {…}}` events. */
export async function listSas(c: ViciClient, args: { ike?: string; ikeId?: number; noblock?: boolean } = {}): Promise<IkeSaInfo[]> {
	const { items } = await c.stream('list-sas', 'list-sa', { ike: args.ike, 'ike-id': args.ikeId, noblock: args.noblock });
	return items.flatMap((item) => Object.entries(item).map(([n, s]) => ikeInfo(n, sec(s))));
}

/** `list-conns {ike} => {}`, streaming `list-conn {<IKE_SA config name> = {…}}` events. */
export async function listConns(c: ViciClient, args: { ike?: string } = {}): Promise<Record<string, ViciSection>> {
	const { items } = await c.stream('list-conns', 'list-conn', { ike: args.ike });
	const out: Record<string, ViciSection> = {};
	for (const item of items) for (const [n, s] of Object.entries(item)) out[n] = sec(s);
	return out;
}
