// A keyed work queue in the manner of client-go's: a key is queued at most once however many
// events name it, is never processed by two workers at once (an event during processing
// queues it again for afterwards), can be queued after a delay (requeueAfter), and carries a
// per-key failure count for exponential backoff that resets on success.
export interface QueueOptions {
	concurrency?: number;
	minBackoffMs?: number;
	maxBackoffMs?: number;
}

export type Worker = (key: string) => Promise<{ requeueAfterMs?: number; failed?: boolean } | void>;

export class WorkQueue {
	readonly #queue: string[] = [];
	readonly #queued = new Set<string>();
	readonly #processing = new Set<string>();
	readonly #dirty = new Set<string>();
	readonly #timers = new Map<string, NodeJS.Timeout>();
	readonly #failures = new Map<string, number>();
	readonly #o: Required<QueueOptions>;
	#worker: Worker | undefined;
	#active = 0;
	#stopped = false;
	#idle: (() => void)[] = [];

	constructor(options: QueueOptions = {}) {
		this.#o = { concurrency: 4, minBackoffMs: 100, maxBackoffMs: 30_000, ...options };
	}

	start(worker: Worker): void {
		this.#worker = worker;
		this.#pump();
	}

	stop(): void {
		this.#stopped = true;
		for (const t of this.#timers.values()) clearTimeout(t);
		this.#timers.clear();
	}

	add(key: string): void {
		if (this.#stopped) return;
		if (this.#processing.has(key)) {
			this.#dirty.add(key);
			return;
		}
		if (this.#queued.has(key)) return;
		this.#queued.add(key);
		this.#queue.push(key);
		this.#pump();
	}

	addAfter(key: string, ms: number): void {
		if (this.#stopped) return;
		const existing = this.#timers.get(key);
		if (existing) clearTimeout(existing);
		this.#timers.set(
			key,
			setTimeout(() => {
				this.#timers.delete(key);
				this.add(key);
			}, ms),
		);
	}

	/** The delay before retrying a key that failed `n` times in a row. */
	backoffMs(failures: number): number {
		return Math.min(this.#o.minBackoffMs * 2 ** Math.max(0, failures - 1), this.#o.maxBackoffMs);
	}

	failures(key: string): number {
		return this.#failures.get(key) ?? 0;
	}

	get length(): number {
		return this.#queue.length;
	}

	/** Resolves when nothing is queued or processing (timers may still be pending). */
	idle(): Promise<void> {
		if (this.#queue.length === 0 && this.#active === 0) return Promise.resolve();
		return new Promise((resolve) => this.#idle.push(resolve));
	}

	#pump(): void {
		while (this.#worker && !this.#stopped && this.#active < this.#o.concurrency && this.#queue.length > 0) {
			const key = this.#queue.shift() as string;
			this.#queued.delete(key);
			this.#processing.add(key);
			this.#active += 1;
			void this.#process(key);
		}
		if (this.#queue.length === 0 && this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
	}

	async #process(key: string): Promise<void> {
		let failed = false;
		let requeueAfterMs: number | undefined;
		try {
			const outcome = await this.#worker?.(key);
			failed = outcome?.failed === true;
			requeueAfterMs = outcome?.requeueAfterMs;
		} catch {
			failed = true;
		}
		this.#processing.delete(key);
		this.#active -= 1;
		if (failed) {
			const n = (this.#failures.get(key) ?? 0) + 1;
			this.#failures.set(key, n);
			this.addAfter(key, this.backoffMs(n));
		} else {
			this.#failures.delete(key);
			if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
		}
		if (this.#dirty.delete(key)) this.add(key);
		this.#pump();
	}
}
