// Keeps charon's VICI-loaded configuration equal to the desired set of rendered tunnels.
// Level-based (controller-runtime style): every pass observes charon (get-conns, get-shared,
// get-pools, get-keys), loads what is missing or changed, unloads what nobody wants, and
// reports per-tunnel errors. Nothing is replayed from history: after a reconnect (charon
// restarted and forgot everything) the memory of what was applied is dropped and the next
// pass loads everything again.
import { createHash } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { createLogger } from '../../log/logger.js';
import type { ViciClient } from '../../vici/client.js';
import type { ViciInput } from '../../vici/codec.js';
import * as vici from '../../vici/commands.js';
import { isViciCommandError } from '../../vici/errors.js';
import type { RenderedTunnel } from './render.js';

export interface ReconcilerOptions {
	client: ViciClient;
	logger?: Logger;
	/** First delay before retrying a pass that had errors; doubles up to maxRetryMs. */
	retryMs?: number;
	maxRetryMs?: number;
	/** Called after every pass (status writers, tests). */
	onReport?: (report: ReconcileReport) => void;
}

export interface ReconcileReport {
	loaded: string[];
	unloaded: string[];
	/** tunnel key → what charon (or the connection) said. */
	errors: Map<string, Error>;
}

type Kind = 'conn' | 'shared' | 'pool' | 'key' | 'cert';

interface Item {
	kind: Kind;
	/** charon-side name (conn/pool name, shared id); for keys and certs a content hash. */
	name: string;
	tunnel: string;
	hash: string;
	apply: () => Promise<string | void>;
}

function digest(v: unknown): string {
	const h = createHash('sha256');
	h.update(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x)));
	return h.digest('hex');
}

export class CharonReconciler {
	private readonly client: ViciClient;
	private readonly log: Logger;
	private readonly desired = new Map<string, RenderedTunnel>();
	/** item identity → hash of what was last applied successfully. */
	private readonly applied = new Map<string, string>();
	/** key content hash → the id charon gave it. */
	private readonly keyIds = new Map<string, string>();
	private running: Promise<ReconcileReport> | null = null;
	private again = false;
	private retryTimer: NodeJS.Timeout | null = null;
	private readonly retryMs: number;
	private readonly maxRetryMs: number;
	private retryDelay: number;
	private stopped = false;
	private readonly onReport: ((report: ReconcileReport) => void) | undefined;
	/** The last pass's errors, for status. */
	lastErrors = new Map<string, Error>();

	constructor(opts: ReconcilerOptions) {
		this.client = opts.client;
		this.log = opts.logger ?? createLogger('strongswan');
		this.retryMs = opts.retryMs ?? 1000;
		this.maxRetryMs = opts.maxRetryMs ?? 30_000;
		this.retryDelay = this.retryMs;
		this.onReport = opts.onReport;
		this.client.on('connected', this.onConnected);
	}

	private readonly onConnected = ({ reconnect }: { reconnect: boolean }): void => {
		// A new connection may be a new charon with nothing loaded: forget what we applied,
		// observe, load it all again. (The first connection also runs a pass, so tunnels set
		// before charon was reachable do not wait for a retry timer.)
		this.applied.clear();
		this.keyIds.clear();
		if (reconnect) this.log.info({ tunnels: this.desired.size }, 'charon reconnected, re-applying desired config');
		void this.reconcile().catch(() => undefined);
	};

	stop(): void {
		this.stopped = true;
		this.client.off('connected', this.onConnected);
		if (this.retryTimer) clearTimeout(this.retryTimer);
	}

	set(tunnel: string, rendered: RenderedTunnel): void {
		this.desired.set(tunnel, rendered);
	}

	delete(tunnel: string): void {
		this.desired.delete(tunnel);
	}

	/** Run a pass; concurrent calls coalesce into at most one more pass. */
	reconcile(): Promise<ReconcileReport> {
		if (this.running) {
			this.again = true;
			return this.running;
		}
		this.running = (async () => {
			let report: ReconcileReport;
			do {
				this.again = false;
				report = await this.pass();
			} while (this.again && !this.stopped);
			return report;
		})().finally(() => {
			this.running = null;
		});
		return this.running;
	}

	private items(): Item[] {
		const c = this.client;
		const out: Item[] = [];
		for (const [tunnel, r] of this.desired) {
			for (const cert of r.certs) out.push({ kind: 'cert', name: digest(cert), tunnel, hash: digest(cert), apply: () => vici.loadCert(c, cert) });
			for (const key of r.keys) {
				const h = digest(key);
				out.push({ kind: 'key', name: h, tunnel, hash: h, apply: () => vici.loadKey(c, key) });
			}
			for (const s of r.shared) out.push({ kind: 'shared', name: s.id, tunnel, hash: digest(s), apply: () => vici.loadShared(c, s) });
			for (const [name, pool] of Object.entries(r.pools)) out.push({ kind: 'pool', name, tunnel, hash: digest(pool), apply: () => vici.loadPool(c, name, pool) });
			for (const [name, conn] of Object.entries(r.conns)) out.push({ kind: 'conn', name, tunnel, hash: digest(conn), apply: () => vici.loadConn(c, name, conn as ViciInput) });
		}
		return out;
	}

	private async pass(): Promise<ReconcileReport> {
		const report: ReconcileReport = { loaded: [], unloaded: [], errors: new Map() };
		const c = this.client;
		const items = this.items();
		try {
			const [conns, shared, pools, keys] = await Promise.all([vici.getConns(c), vici.getShared(c), vici.getPools(c), vici.getKeys(c)]);
			const observed: Record<Kind, Set<string>> = {
				conn: new Set(conns),
				shared: new Set(shared),
				pool: new Set(Object.keys(pools)),
				key: new Set([...this.keyIds].filter(([, id]) => keys.includes(id)).map(([h]) => h)),
				cert: new Set([...this.applied.keys()].filter((k) => k.startsWith('cert ')).map((k) => k.slice(5))),
			};
			// Load in dependency order: credentials and pools before the configs that use them.
			for (const item of items) {
				const id = `${item.kind} ${item.name}`;
				if (observed[item.kind].has(item.name) && this.applied.get(id) === item.hash) continue;
				if (report.errors.has(item.tunnel)) continue;
				try {
					const res = await item.apply();
					if (item.kind === 'key' && typeof res === 'string') this.keyIds.set(item.name, res);
					this.applied.set(id, item.hash);
					report.loaded.push(id);
					this.log.info({ kind: item.kind, name: item.kind === 'key' || item.kind === 'cert' ? undefined : item.name, tunnel: item.tunnel }, 'loaded into charon');
				} catch (err) {
					report.errors.set(item.tunnel, err as Error);
					this.log.warn({ kind: item.kind, tunnel: item.tunnel, errmsg: isViciCommandError(err) ? err.errmsg : (err as Error).message }, 'charon refused');
				}
			}
			// Unload what nobody wants, configs first so nothing references a removed pool.
			const want = new Set(items.map((i) => `${i.kind} ${i.name}`));
			const wantKeyIds = new Set(items.filter((i) => i.kind === 'key').map((i) => this.keyIds.get(i.name)));
			const unload: Array<[string, () => Promise<void>]> = [
				...conns.filter((n) => !want.has(`conn ${n}`)).map((n): [string, () => Promise<void>] => [`conn ${n}`, () => this.unloadConn(n)]),
				...Object.keys(pools).filter((n) => !want.has(`pool ${n}`)).map((n): [string, () => Promise<void>] => [`pool ${n}`, () => vici.unloadPool(c, n)]),
				...shared.filter((n) => !want.has(`shared ${n}`)).map((n): [string, () => Promise<void>] => [`shared ${n}`, () => vici.unloadShared(c, n)]),
				...keys.filter((id) => !wantKeyIds.has(id)).map((id): [string, () => Promise<void>] => [`key ${id}`, () => vici.unloadKey(c, id)]),
			];
			for (const [id, run] of unload) {
				try {
					await run();
					this.applied.delete(id);
					report.unloaded.push(id);
					this.log.info({ item: id.startsWith('key ') ? 'key' : id }, 'unloaded from charon');
				} catch (err) {
					// A pool with leases online cannot go yet; the next pass tries again.
					report.errors.set(id, err as Error);
					this.log.warn({ item: id.startsWith('key ') ? 'key' : id, errmsg: isViciCommandError(err) ? err.errmsg : (err as Error).message }, 'charon refused to unload');
				}
			}
			for (const [h] of this.keyIds) if (!items.some((i) => i.kind === 'key' && i.name === h)) this.keyIds.delete(h);
		} catch (err) {
			// Not connected, or charon went away mid-pass: the reconnect hook starts over.
			for (const t of this.desired.keys()) report.errors.set(t, err as Error);
		}
		this.lastErrors = report.errors;
		this.scheduleRetry(report);
		this.onReport?.(report);
		return report;
	}

	/**
	 * unload-conn alone leaves established SAs of a config without a start action running
	 * (charon only clears start actions). A deleted tunnel must stop carrying traffic, so its
	 * IKE SAs are terminated too — after the unload, so nothing restarts them.
	 */
	private async unloadConn(name: string): Promise<void> {
		await vici.unloadConn(this.client, name);
		try {
			await vici.terminate(this.client, { ike: name, timeoutMs: 2000 });
		} catch (err) {
			// "no matching SAs to terminate found" is the normal case for an idle config.
			if (!isViciCommandError(err)) throw err;
		}
	}

	private scheduleRetry(report: ReconcileReport): void {
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		if (report.errors.size === 0 || this.stopped) {
			this.retryDelay = this.retryMs;
			return;
		}
		const wait = this.retryDelay;
		this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryMs);
		this.retryTimer = setTimeout(() => void this.reconcile().catch(() => undefined), wait);
		this.retryTimer.unref();
	}
}
