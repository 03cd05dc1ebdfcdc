// The agent's one view of the node, refreshed on a timer: what charon, the kernel (and the
// dataplane) hold per tunnel, with totals that survive rekeys. Metrics read the latest
// snapshot on every scrape; nothing counts on the packet path.
import type { Logger } from '../log/index.js';
import type { AgentSnapshot, LcoreSample, SaSample, TunnelSample } from '../metrics/index.js';
import { emptySnapshot } from '../metrics/index.js';
import type { SaRow } from './control-api.js';
import type { ObservedTunnel } from './k8s-agent.js';
import { normSpi } from './node-programmer.js';
import { TunnelTotals } from './tunnel-totals.js';

export interface ObserverOptions {
	/** per tunnel key, what the node holds (undefined: configured but nothing observed) */
	tunnels: () => Promise<Map<string, ObservedTunnel | undefined>>;
	/** SA rows with counters (kernel or dataplane) */
	sas: () => Promise<SaRow[]>;
	/** node-wide drops by reason (dataplane drop table, or the kernel's xfrm_stat) */
	drops: () => Record<string, number>;
	/** dpdk mode: each worker lcore's busy ratio since the previous call (lcore-busy.ts) */
	lcores?: () => LcoreSample[];
	intervalMs?: number;
	log: Logger;
}

export class Observer {
	readonly #o: ObserverOptions;
	readonly #totals = new TunnelTotals();
	#timer: NodeJS.Timeout | undefined;
	#snapshot: AgentSnapshot = emptySnapshot();
	#failing = false;
	#stopped = false;

	constructor(opts: ObserverOptions) {
		this.#o = opts;
	}

	snapshot(): AgentSnapshot {
		return this.#snapshot;
	}

	start(): void {
		// A poll in flight at stop() must not arm the next one: a live timer kept a stopped
		// agent's process running for good (seen with fifty tunnels, where a poll takes long).
		const tick = () => void this.poll().finally(() => { if (!this.#stopped) this.#timer = setTimeout(tick, this.#o.intervalMs ?? 1000); });
		tick();
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#timer);
	}

	async poll(): Promise<AgentSnapshot> {
		// the lcores are the dataplane's alone: sampled even while charon cannot be asked
		let lcores = this.#snapshot.lcores;
		try {
			lcores = this.#o.lcores?.() ?? [];
		} catch (e) {
			this.#o.log.warn({ err: e }, 'lcore counters not readable');
		}
		try {
			const [observed, rows] = await Promise.all([this.#o.tunnels(), this.#o.sas()]);
			const totals = this.#totals.update(observed);
			const spiTunnel = new Map<string, string>();
			const tunnels: TunnelSample[] = [];
			for (const [key, o] of observed) {
				const total = totals.get(key)!;
				for (const c of o?.childSas ?? []) {
					spiTunnel.set(normSpi(c.spiIn), key);
					spiTunnel.set(normSpi(c.spiOut), key);
				}
				tunnels.push({
					tunnel: key,
					ikeState: (o?.ike?.state ?? 'down').toLowerCase(),
					packets: { in: total.packets.in, out: total.packets.out },
					bytes: { in: total.bytes.in, out: total.bytes.out },
					drops: {},
					rekeys: { ike: 0, child: total.childRekeys },
				});
			}
			const sas: SaSample[] = rows.map(r => ({
				tunnel: r.tunnel ?? spiTunnel.get(normSpi(r.spi)) ?? '',
				spi: r.spi,
				dir: r.dir,
				packets: Number(r.packets),
				bytes: Number(r.bytes),
				drops: Object.fromEntries(Object.entries(r.drops ?? {}).map(([k, v]) => [k, Number(v)])),
				state: r.unprogrammable ? 'unprogrammable' : 'active',
			}));
			this.#snapshot = { tunnels, sas, drops: this.#o.drops(), lcores };
			if (this.#failing) this.#o.log.info({}, 'observation recovered');
			this.#failing = false;
		} catch (e) {
			// charon restarting, a netlink hiccup: keep the last snapshot, say so once.
			if (!this.#failing) this.#o.log.warn({ err: e }, 'observation failed; keeping the last snapshot');
			this.#snapshot = { ...this.#snapshot, lcores };
			this.#failing = true;
		}
		return this.#snapshot;
	}
}
