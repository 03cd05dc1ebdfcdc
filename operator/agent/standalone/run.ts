// `esplane agent --config-dir DIR`: the agent without Kubernetes (edge hosts, the demo).
// The same path as under Kubernetes — tunnels and Secrets → NodeProgrammer → charon (and the
// dataplane) — with a directory of YAML objects as the source. Level-based: every pass
// reloads the directory and applies the whole desired set; file events only say "look again".
import { watch, type FSWatcher } from 'node:fs';
import type { IPsecTunnel } from '../../api/ipsectunnel.js';
import { validateSpec } from '../../api/validate.js';
import type { Logger } from '../../log/index.js';
import type { Credentials, DesiredTunnel, ObservedTunnel, TunnelProgrammer } from '../k8s-agent.js';
import { loadConfigDir, type ConfigSnapshot, type SecretData } from './config-dir.js';

export interface StandaloneOptions {
	dir: string;
	programmer: TunnelProgrammer;
	log: Logger;
	/** full pass interval; file changes trigger one sooner */
	resyncMs?: number;
}

/** A tunnel's key material from the snapshot's Secrets, or why it cannot be had. */
export function credentialsOf(t: IPsecTunnel, secrets: Map<string, SecretData>): Credentials | string {
	const ns = t.metadata.namespace ?? 'default';
	const a = t.spec.auth;
	const get = (name: string) => secrets.get(`${ns}/${name}`);
	if (a.psk) {
		const psk = get(a.psk.secretRef.name)?.[a.psk.secretRef.key];
		return psk ? { psk } : `Secret ${ns}/${a.psk.secretRef.name} has no key ${a.psk.secretRef.key}`;
	}
	if (a.x509) {
		const s = get(a.x509.secretName);
		const cert = s?.['tls.crt'];
		const key = s?.['tls.key'];
		if (!cert || !key) return `Secret ${ns}/${a.x509.secretName} lacks tls.crt or tls.key`;
		const ca = s['ca.crt'];
		return { x509: { cert, key, ...(ca ? { ca } : {}) } };
	}
	if (a.eap) {
		const s = get(a.eap.usersSecretRef.name);
		return s ? { eapUsers: { ...s } } : `Secret ${ns}/${a.eap.usersSecretRef.name} not found`;
	}
	return 'spec.auth names no method';
}

export const validateTunnel = (t: IPsecTunnel): string[] => validateSpec(t.spec).map(p => `${p.field}: ${p.message}`);

export class StandaloneAgent {
	readonly #o: StandaloneOptions;
	#timer: NodeJS.Timeout | undefined;
	#watcher: FSWatcher | undefined;
	#running: Promise<void> | undefined;
	#again = false;
	#reported = new Set<string>();
	/** tunnel key → why it is not programmed (config, secrets, or charon) */
	readonly errors = new Map<string, string>();
	last: ConfigSnapshot | undefined;

	constructor(opts: StandaloneOptions) {
		this.#o = opts;
	}

	start(): void {
		try {
			this.#watcher = watch(this.#o.dir, () => this.poke());
		} catch (e) {
			this.#o.log.warn({ dir: this.#o.dir, err: e }, 'config directory not watchable; relying on periodic resync');
		}
		this.#timer = setInterval(() => this.poke(), this.#o.resyncMs ?? 5000);
		this.poke();
	}

	stop(): void {
		clearInterval(this.#timer);
		this.#watcher?.close();
	}

	/** "Look again": coalesces into one pass at a time. */
	poke(): void {
		if (this.#running) {
			this.#again = true;
			return;
		}
		this.#running = this.pass().finally(() => {
			this.#running = undefined;
			if (this.#again) {
				this.#again = false;
				this.poke();
			}
		});
	}

	/** Resolves when the pass in flight (and any it queued) is done. */
	async settled(): Promise<void> {
		while (this.#running) await this.#running;
	}

	async pass(): Promise<void> {
		const snap = loadConfigDir(this.#o.dir, validateTunnel);
		this.last = snap;
		const seen = new Set<string>();
		for (const p of snap.problems) {
			const line = `${p.file}#${p.document}: ${p.message}`;
			seen.add(line);
			if (!this.#reported.has(line)) this.#o.log.warn({ file: p.file, document: p.document, reason: p.message }, 'config problem');
		}
		this.#reported = seen;
		const desired: DesiredTunnel[] = [];
		const errors = new Map<string, string>();
		for (const t of snap.tunnels) {
			const key = `${t.metadata.namespace ?? 'default'}/${t.metadata.name}`;
			const creds = credentialsOf(t, snap.secrets);
			if (typeof creds === 'string') errors.set(key, creds);
			else desired.push({ key, tunnel: t, credentials: creds });
		}
		try {
			const r = await this.#o.programmer.apply(desired);
			for (const [k, v] of r?.errors ?? []) errors.set(k, v);
		} catch (e) {
			this.#o.log.error({ err: e }, 'programming pass failed');
		}
		for (const [k, v] of errors) if (this.errors.get(k) !== v) this.#o.log.warn({ tunnel: k, reason: v }, 'tunnel not programmed');
		this.errors.clear();
		for (const [k, v] of errors) this.errors.set(k, v);
	}

	/** Tunnel keys the config names, with what the node observes for each. */
	async observe(): Promise<Map<string, ObservedTunnel | undefined>> {
		const observed = await this.#o.programmer.observe();
		const out = new Map<string, ObservedTunnel | undefined>();
		for (const t of this.last?.tunnels ?? []) {
			const key = `${t.metadata.namespace ?? 'default'}/${t.metadata.name}`;
			out.set(key, observed.get(key));
		}
		return out;
	}
}
