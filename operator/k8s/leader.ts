// Leader election on a Lease (`esplane-operator`), as client-go's leaderelection does it:
// try to claim every retry period; once leading, renew every renew period; if renewals keep
// failing past the renew deadline, stop leading (the caller stops its controllers) — a
// leader that cannot prove it still holds the lease must assume it does not. stop() releases
// the lease so a standby takes over at once instead of after the lease duration.
import type { KubeApi } from './client.js';
import { claimLease, releaseLease } from './lease.js';

export interface LeaderOptions {
	api: KubeApi;
	namespace: string;
	name: string;
	identity: string;
	leaseDurationSeconds?: number;
	renewDeadlineMs?: number;
	retryPeriodMs?: number;
	onStartedLeading: () => void | Promise<void>;
	onStoppedLeading: () => void | Promise<void>;
	log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export class LeaderElector {
	readonly #o: LeaderOptions;
	#leading = false;
	#stopped = false;
	#timer: NodeJS.Timeout | undefined;
	#lastRenew = 0;

	constructor(options: LeaderOptions) {
		this.#o = options;
	}

	get leading(): boolean {
		return this.#leading;
	}

	start(): void {
		this.#stopped = false;
		void this.#tick();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearTimeout(this.#timer);
		if (this.#leading) {
			this.#leading = false;
			await this.#o.onStoppedLeading();
			await releaseLease(this.#o.api, this.#o.namespace, this.#o.name, this.#o.identity);
		}
	}

	async #tick(): Promise<void> {
		if (this.#stopped) return;
		const duration = this.#o.leaseDurationSeconds ?? 15;
		const result = await claimLease(this.#o.api, { namespace: this.#o.namespace, name: this.#o.name, identity: this.#o.identity, leaseDurationSeconds: duration });
		if (this.#stopped) return;
		const now = Date.now();
		if (result.held) {
			this.#lastRenew = now;
			if (!this.#leading) {
				this.#leading = true;
				this.#o.log?.info({ identity: this.#o.identity, lease: this.#o.name }, 'became leader');
				await this.#o.onStartedLeading();
			}
		} else if (result.reason.startsWith('lease error')) {
			this.#o.log?.warn({ identity: this.#o.identity, reason: result.reason }, 'cannot reach the leader lease');
		}
		if (!result.held && this.#leading && now - this.#lastRenew > (this.#o.renewDeadlineMs ?? (duration * 1000 * 2) / 3)) {
			this.#leading = false;
			this.#o.log?.info({ identity: this.#o.identity, reason: result.reason }, 'lost leadership');
			await this.#o.onStoppedLeading();
		}
		const period = this.#o.retryPeriodMs ?? Math.max(200, (duration * 1000) / 5);
		this.#timer = setTimeout(() => void this.#tick(), period);
	}
}
