// A list-then-watch cache of one resource, in the shape of client-node's ListWatch (which we
// read, not copied) with the two properties the controllers depend on made explicit and
// tested: a 410 Gone (watch history compacted) makes it relist from scratch — diffing the new
// list against the cache so deletions missed meanwhile still fire — and an object whose
// resourceVersion did not change never fires an update (relists and replays are quiet).
// A watch that ends for any other reason resumes from the last resourceVersion seen (events
// and BOOKMARKs both advance it), after a backoff when it ended in an error.
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeList } from './client.js';
import { toKubeApiError } from './errors.js';

export interface KubeObject {
	metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type InformerEvent = 'add' | 'update' | 'delete';
type Handler<T> = (obj: T, old?: T) => void;

export interface InformerOptions<T> {
	kubeConfig: KubeConfig;
	/** Collection path, e.g. `/apis/esplane.io/v1alpha1/ipsectunnels`. */
	path: string;
	list: () => Promise<KubeList<T>>;
	labelSelector?: string;
	/** e.g. `metadata.name=gw-1`: one object of a cluster-wide collection (the list must apply it too) */
	fieldSelector?: string;
	/** Server-side watch timeout; the informer re-watches after it. Default 25 (below client-node's 30 s request timeout). */
	watchTimeoutSeconds?: number;
	/** Backoff after an error, doubled up to maxBackoffMs. */
	minBackoffMs?: number;
	maxBackoffMs?: number;
	onError?: (err: unknown) => void;
}

export interface InformerStats {
	lists: number;
	watches: number;
	gone: number;
	skippedUnchanged: number;
}

export const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class Informer<T extends KubeObject> {
	readonly #o: InformerOptions<T>;
	readonly #store = new Map<string, T>();
	readonly #handlers: Record<InformerEvent, Handler<T>[]> = { add: [], update: [], delete: [] };
	#rv = '';
	#stopped = true;
	/** Bumped by every start/stop, so a loop left over from before a restart exits. */
	#epoch = 0;
	#abort: AbortController | undefined;
	#wake: (() => void) | undefined;
	#synced: Promise<void>;
	#markSynced: () => void = () => undefined;
	readonly stats: InformerStats = { lists: 0, watches: 0, gone: 0, skippedUnchanged: 0 };

	constructor(options: InformerOptions<T>) {
		this.#o = options;
		this.#synced = new Promise((resolve) => (this.#markSynced = resolve));
	}

	on(event: InformerEvent, handler: Handler<T>): void {
		this.#handlers[event].push(handler);
	}

	get(namespace: string | undefined, name: string): T | undefined {
		return this.#store.get(`${namespace ?? ''}/${name}`);
	}

	list(): T[] {
		return [...this.#store.values()];
	}

	get resourceVersion(): string {
		return this.#rv;
	}

	/** Starts the loop; resolves once the first list is in the cache. */
	start(): Promise<void> {
		if (this.#stopped) {
			this.#stopped = false;
			this.#epoch += 1;
			void this.#run(this.#epoch);
		}
		return this.#synced;
	}

	stop(): void {
		this.#stopped = true;
		this.#epoch += 1;
		this.#abort?.abort();
		this.#wake?.();
	}

	#emit(event: InformerEvent, obj: T, old?: T): void {
		for (const h of this.#handlers[event]) {
			try {
				h(obj, old);
			} catch (err) {
				// A handler's bug must not stall the cache (or be swallowed by the watch's line parser).
				this.#o.onError?.(err);
			}
		}
	}

	#upsert(obj: T): void {
		const key = keyOf(obj);
		const old = this.#store.get(key);
		if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) {
			this.stats.skippedUnchanged += 1;
			return;
		}
		this.#store.set(key, obj);
		if (old) this.#emit('update', obj, old);
		else this.#emit('add', obj);
	}

	#remove(obj: T): void {
		const key = keyOf(obj);
		const old = this.#store.get(key);
		if (!old) return;
		this.#store.delete(key);
		this.#emit('delete', obj);
	}

	async #relist(epoch: number): Promise<void> {
		const list = await this.#o.list();
		if (epoch !== this.#epoch) return;
		this.stats.lists += 1;
		const seen = new Set<string>();
		for (const item of list.items) {
			seen.add(keyOf(item));
			this.#upsert(item);
		}
		for (const [key, old] of [...this.#store]) if (!seen.has(key)) this.#remove(old);
		this.#rv = list.metadata?.resourceVersion ?? '';
		this.#markSynced();
	}

	async #sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => {
			const t = setTimeout(resolve, ms);
			this.#wake = () => {
				clearTimeout(t);
				resolve();
			};
		});
		this.#wake = undefined;
	}

	/** One watch request; resolves with the error that ended it (undefined = clean end). */
	#watchOnce(epoch: number): Promise<unknown> {
		return new Promise((resolve) => {
			let gone = false;
			const params: Record<string, string | number | boolean> = {
				resourceVersion: this.#rv,
				allowWatchBookmarks: true,
				timeoutSeconds: this.#o.watchTimeoutSeconds ?? 25,
			};
			if (this.#o.labelSelector) params.labelSelector = this.#o.labelSelector;
			if (this.#o.fieldSelector) params.fieldSelector = this.#o.fieldSelector;
			this.stats.watches += 1;
			const onEvent = (type: string, obj: T & { code?: number }): void => {
				if (epoch !== this.#epoch) return;
				switch (type) {
					case 'ADDED':
					case 'MODIFIED':
						this.#upsert(obj);
						break;
					case 'DELETED':
						this.#remove(obj);
						break;
					case 'BOOKMARK':
						break;
					case 'ERROR':
						if (obj.code === 410) gone = true;
						return;
					default:
						return;
				}
				this.#rv = obj.metadata?.resourceVersion ?? this.#rv;
			};
			new Watch(this.#o.kubeConfig)
				.watch(this.#o.path, params, onEvent, (err: unknown) => resolve(gone ? { code: 410 } : err ?? undefined))
				.then((abort) => {
					this.#abort = abort;
					if (epoch !== this.#epoch) abort.abort();
				})
				.catch(resolve);
		});
	}

	async #run(epoch: number): Promise<void> {
		let backoff = this.#o.minBackoffMs ?? 200;
		const current = (): boolean => epoch === this.#epoch;
		while (current()) {
			try {
				if (!this.#rv) await this.#relist(epoch);
				const err = await this.#watchOnce(epoch);
				if (!current()) break;
				if (err === undefined) {
					backoff = this.#o.minBackoffMs ?? 200;
					continue;
				}
				const e = toKubeApiError(err);
				if (e.code === 410) {
					this.stats.gone += 1;
					this.#rv = ''; // history is gone: relist, diffing against the cache
					continue;
				}
				throw e;
			} catch (err) {
				if (!current()) break;
				this.#o.onError?.(err);
				await this.#sleep(backoff);
				backoff = Math.min(backoff * 2, this.#o.maxBackoffMs ?? 10_000);
			}
		}
	}
}
