// The agent's metric families. Everything except the XFRM sync-lag histogram is fed from the
// latest AgentSnapshot inside prom-client's collect() callbacks: the agent polls the
// dataplane, the scrape reads the poll. Families are reset before each fill so series of SAs
// and tunnels that are gone disappear instead of freezing at their last value.
//
// Drop-reason label values come from the dataplane at run time (`dropNames()` of the binding,
// generated from the C X-macro table); this module never keeps its own list. Every reason is
// exported from the first scrape on (at 0), so `rate()` works before the first drop.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentSnapshot } from './snapshot.js';
import { toNumber } from './snapshot.js';

export interface AgentMetricsOptions {
	/** the dataplane's drop-reason names, as the binding's `dropNames()` returns them */
	dropNames: readonly string[];
	/** the latest polled snapshot; called on every scrape, must be cheap */
	snapshot: () => AgentSnapshot;
	/** registry to register into; default: a new one */
	registry?: Registry;
	/** drop reasons counted as replay failures; default: the names containing "replay" */
	replayReasons?: readonly string[];
	/** drop reasons counted as authentication failures; default: names with "auth" or "icv" */
	authReasons?: readonly string[];
	/** seconds buckets of the XFRM sync-lag histogram */
	syncLagBuckets?: number[];
}

export interface AgentMetrics {
	registry: Registry;
	/** seconds from an XFRM netlink event to the dataplane being equal to the kernel again */
	observeXfrmSyncLag(seconds: number): void;
}

const SA_LABELS = ['tunnel', 'spi', 'dir'] as const;

function sumOf(drops: Record<string, unknown>, reasons: ReadonlySet<string>): number {
	let n = 0;
	for (const [reason, count] of Object.entries(drops)) {
		if (reasons.has(reason)) n += toNumber(count as bigint | number);
	}
	return n;
}

export function createAgentMetrics(opts: AgentMetricsOptions): AgentMetrics {
	const registry = opts.registry ?? new Registry();
	const registers = [registry];
	const dropNames = [...opts.dropNames];
	const replay = new Set(opts.replayReasons ?? dropNames.filter((n) => /replay/i.test(n)));
	const auth = new Set(opts.authReasons ?? dropNames.filter((n) => /auth|icv/i.test(n)));
	const snap = opts.snapshot;

	new Counter({
		name: 'esplane_dataplane_drops_total',
		help: 'Packets the dataplane dropped, by reason (attributed to a tunnel or not).',
		labelNames: ['reason'],
		registers,
		collect() {
			this.reset();
			const drops = snap().drops;
			for (const reason of dropNames) this.inc({ reason }, toNumber(drops[reason]));
			for (const [reason, n] of Object.entries(drops)) {
				if (!dropNames.includes(reason)) this.inc({ reason }, toNumber(n));
			}
		},
	});

	new Counter({
		name: 'esplane_tunnel_packets_total',
		help: 'ESP packets of a tunnel, by direction, across all its SAs and rekeys.',
		labelNames: ['tunnel', 'dir'],
		registers,
		collect() {
			this.reset();
			for (const t of snap().tunnels) {
				this.inc({ tunnel: t.tunnel, dir: 'in' }, toNumber(t.packets.in));
				this.inc({ tunnel: t.tunnel, dir: 'out' }, toNumber(t.packets.out));
			}
		},
	});

	new Counter({
		name: 'esplane_tunnel_bytes_total',
		help: 'Inner (cleartext) bytes of a tunnel, by direction, across all its SAs and rekeys.',
		labelNames: ['tunnel', 'dir'],
		registers,
		collect() {
			this.reset();
			for (const t of snap().tunnels) {
				this.inc({ tunnel: t.tunnel, dir: 'in' }, toNumber(t.bytes.in));
				this.inc({ tunnel: t.tunnel, dir: 'out' }, toNumber(t.bytes.out));
			}
		},
	});

	new Counter({
		name: 'esplane_tunnel_drops_total',
		help: 'Packets of a tunnel the dataplane dropped, by reason.',
		labelNames: ['tunnel', 'reason'],
		registers,
		collect() {
			this.reset();
			for (const t of snap().tunnels) {
				for (const [reason, n] of Object.entries(t.drops)) this.inc({ tunnel: t.tunnel, reason }, toNumber(n));
			}
		},
	});

	new Gauge({
		name: 'esplane_tunnel_ike_state',
		help: "1 for the tunnel's current IKE_SA state (strongSwan's state name, lower case).",
		labelNames: ['tunnel', 'state'],
		registers,
		collect() {
			this.reset();
			for (const t of snap().tunnels) this.set({ tunnel: t.tunnel, state: t.ikeState }, 1);
		},
	});

	new Counter({
		name: 'esplane_tunnel_rekeys_total',
		help: 'Completed rekeys of a tunnel, by kind (ike or child).',
		labelNames: ['tunnel', 'kind'],
		registers,
		collect() {
			this.reset();
			for (const t of snap().tunnels) {
				this.inc({ tunnel: t.tunnel, kind: 'ike' }, toNumber(t.rekeys.ike));
				this.inc({ tunnel: t.tunnel, kind: 'child' }, toNumber(t.rekeys.child));
			}
		},
	});

	new Counter({
		name: 'esplane_sa_packets_total',
		help: 'ESP packets processed on an SA.',
		labelNames: SA_LABELS,
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) this.inc({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir }, toNumber(sa.packets));
		},
	});

	new Counter({
		name: 'esplane_sa_bytes_total',
		help: 'Inner (cleartext) bytes processed on an SA.',
		labelNames: SA_LABELS,
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) this.inc({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir }, toNumber(sa.bytes));
		},
	});

	new Counter({
		name: 'esplane_sa_drops_total',
		help: 'Packets dropped on an SA, by reason.',
		labelNames: [...SA_LABELS, 'reason'],
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) {
				for (const [reason, n] of Object.entries(sa.drops)) this.inc({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir, reason }, toNumber(n));
			}
		},
	});

	new Counter({
		name: 'esplane_sa_replay_failures_total',
		help: 'Inbound packets of an SA rejected by the anti-replay check.',
		labelNames: SA_LABELS,
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) this.inc({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir }, sumOf(sa.drops, replay));
		},
	});

	new Counter({
		name: 'esplane_sa_auth_failures_total',
		help: 'Inbound packets of an SA whose integrity check (ICV) failed.',
		labelNames: SA_LABELS,
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) this.inc({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir }, sumOf(sa.drops, auth));
		},
	});

	new Gauge({
		name: 'esplane_sa_state',
		help: "1 for an SA's current lifecycle state in the dataplane.",
		labelNames: [...SA_LABELS, 'state'],
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) this.set({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir, state: sa.state }, 1);
		},
	});

	new Gauge({
		name: 'esplane_sa_sequence_numbers_remaining',
		help: 'Outbound sequence numbers an SA has left before it must be rekeyed.',
		labelNames: SA_LABELS,
		registers,
		collect() {
			this.reset();
			for (const sa of snap().sas) {
				if (sa.seqRemaining !== undefined) this.set({ tunnel: sa.tunnel, spi: sa.spi, dir: sa.dir }, toNumber(sa.seqRemaining));
			}
		},
	});

	new Gauge({
		name: 'esplane_dataplane_lcore_busy_ratio',
		help: "Share of a dataplane worker lcore's cycles spent in polls that found packets (0..1), over the agent's last poll interval.",
		labelNames: ['lcore', 'role'],
		registers,
		collect() {
			this.reset();
			for (const l of snap().lcores) this.set({ lcore: String(l.lcore), role: l.role }, l.busyRatio);
		},
	});

	const syncLag = new Histogram({
		name: 'esplane_xfrm_sync_lag_seconds',
		help: 'Time from an XFRM netlink event to the dataplane matching the kernel again.',
		buckets: opts.syncLagBuckets ?? [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
		registers,
	});

	return {
		registry,
		observeXfrmSyncLag(seconds: number) {
			if (Number.isFinite(seconds) && seconds >= 0) syncLag.observe(seconds);
		},
	};
}
