// Keeps the dataplane's neighbour and route tables equal to the kernel's for the exception
// interface(s), level-based: notifications only mark the mirror dirty and schedule one
// coalesced reconcile (dump links, neighbours, routes => desired => diff => apply); a periodic
// full resync and a re-dump after a receive-buffer overrun heal whatever was missed.
//
// The kernel resolves next hops (ARP/ND on the TAP); `resolve()` lets the dataplane ask it to.
// Because the kernel never carries the dataplane's traffic, nothing would ever "use" its
// entries: the mirror resolves route gateways itself as soon as they appear, and on each
// resync re-validates STALE (and retries FAILED) gateways and next hops the dataplane asked
// for, so a peer that changes its MAC is followed without a restart.
import type { ForwardingControl, NeighborEntry, RouteEntry } from '../dataplane/control.js';
import { createLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { RT_TABLE_MAIN } from '../rtnl/codec/constants.js';
import type { Link } from '../rtnl/codec/link.js';
import type { Neighbor } from '../rtnl/codec/neigh.js';
import type { Route } from '../rtnl/codec/route.js';
import type { RtnlEvent } from '../rtnl/events.js';
import { Rtnl } from '../rtnl/rtnl.js';
import type { Dump } from '../rtnl/rtnl.js';
import { UnknownPortError } from './forwarding-errors.js';
import { desiredNeighbors, desiredRoutes, diffNeighbors, gatewaysToResolve, mergeRoutes, neighborKey, portsByIfindex } from './forwarding-desired.js';

export interface ForwardingMirrorOptions {
	control: ForwardingControl;
	/** exception interface name => dataplane port name, e.g. {'esp-wan0': 'wan'} */
	interfaces: Readonly<Record<string, string>>;
	/** watch this named network namespace (default: our own) */
	netns?: string;
	/** an rtnetlink client to use instead of opening one (tests) */
	rtnl?: Rtnl;
	/** neighbours from configuration, used only where the kernel has no MAC */
	fallbackNeighbors?: readonly NeighborEntry[];
	/** full resync period; default 30 s */
	resyncMs?: number;
	/** resolve route gateways the kernel has no entry for, re-validate STALE ones on each resync; default true */
	refreshGateways?: boolean;
	/** how long events are coalesced before a reconcile; default 20 ms */
	coalesceMs?: number;
	logger?: Logger;
}

export interface ForwardingMirrorStats {
	reconciles: number;
	neighborPuts: number;
	neighborDels: number;
	routeReplaces: number;
	failures: number;
	/** gateway resolutions the mirror asked the kernel for */
	gatewayResolves: number;
	/** neighbours the dataplane refused (bad input): counted, logged once, retried next reconcile */
	neighborRejects: number;
	events: number;
	overruns: number;
}

const MAX_BACKOFF_MS = 5000;
const MAX_WANTED = 4096;

/** The kernel tables the mirror reads; a notification makes only its own table dirty. */
type Table = 'link' | 'neighbor' | 'route';
const ALL: readonly Table[] = ['link', 'neighbor', 'route'];

export class ForwardingMirror {
	readonly stats: ForwardingMirrorStats = { reconciles: 0, neighborPuts: 0, neighborDels: 0, routeReplaces: 0, failures: 0, gatewayResolves: 0, neighborRejects: 0, events: 0, overruns: 0 };
	private readonly control: ForwardingControl;
	private readonly interfaces: Readonly<Record<string, string>>;
	private readonly mirrored: ReadonlySet<string>;
	private readonly fallback: readonly NeighborEntry[];
	private readonly resyncMs: number;
	private readonly refreshGateways: boolean;
	/** the next reconcile is a periodic one: re-validate STALE/FAILED gateways */
	private refreshDue = false;
	private readonly coalesceMs: number;
	private readonly log: Logger;
	private readonly rtnl: Rtnl;
	private readonly ownsRtnl: boolean;
	private ports = new Map<number, string>();
	/** tables to dump again on the next reconcile */
	private readonly dirty = new Set<Table>();
	/** the last dump of each table, reused while its table is clean */
	private observed: { link?: Link[]; neighbor?: Neighbor[]; route?: Route[] } = {};
	private running: Promise<void> | undefined;
	private timer: NodeJS.Timeout | undefined;
	private resyncTimer: NodeJS.Timeout | undefined;
	private unsubscribe: (() => void)[] = [];
	private stopped = false;
	private backoffMs = 0;
	private readonly rejected = new Set<string>();
	/** next hops the dataplane asked for (resolve()), kept fresh like gateways; oldest dropped past the cap */
	private readonly wanted = new Map<string, Pick<NeighborEntry, 'ip' | 'port'>>();
	/** next hops asked for since the last refresh: a missing one is asked for once, not on every reconcile */
	private readonly askedSinceRefresh = new Set<string>();

	constructor(opts: ForwardingMirrorOptions) {
		this.control = opts.control;
		this.interfaces = { ...opts.interfaces };
		this.mirrored = new Set(Object.values(opts.interfaces));
		this.fallback = opts.fallbackNeighbors ?? [];
		this.resyncMs = opts.resyncMs ?? 30_000;
		this.refreshGateways = opts.refreshGateways ?? true;
		this.coalesceMs = opts.coalesceMs ?? 20;
		this.log = opts.logger ?? createLogger('forwarding-mirror');
		this.ownsRtnl = opts.rtnl === undefined;
		this.rtnl = opts.rtnl ?? new Rtnl({ ...(opts.netns !== undefined ? { netns: opts.netns } : {}), logger: this.log });
	}

	/**
	 * Subscribes, then installs the kernel's current state; resolves once the dataplane first
	 * equals the kernel (a failing dataplane is retried with backoff until then, or until stop()).
	 */
	async start(): Promise<void> {
		this.unsubscribe.push(this.rtnl.onEvent((e) => this.onEvent(e)));
		this.unsubscribe.push(
			this.rtnl.onOverrun(() => {
				this.stats.overruns++;
				this.markDirty('overrun', ALL);
			}),
		);
		this.resyncTimer = setInterval(() => {
			this.refreshDue = true;
			this.markDirty('resync', ALL);
		}, this.resyncMs);
		this.resyncTimer.unref();
		this.log.info({ interfaces: this.interfaces, resyncMs: this.resyncMs }, 'forwarding mirror started');
		for (const t of ALL) this.dirty.add(t);
		await this.kick();
	}

	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		for (const u of this.unsubscribe) u();
		if (this.timer) clearTimeout(this.timer);
		if (this.resyncTimer) clearInterval(this.resyncTimer);
		if (this.ownsRtnl) this.rtnl.close();
		this.log.info(this.stats, 'forwarding mirror stopped');
	}

	/** Reconciles now (after any reconcile in progress); resolves when the dataplane is equal. */
	async reconcileNow(): Promise<void> {
		for (const t of ALL) this.dirty.add(t);
		await this.kick();
	}

	/**
	 * {ip, dataplane port} => the kernel starts resolving `ip` on that port's exception
	 * interface; the result arrives as a neighbour notification and is mirrored like any other.
	 */
	async resolve(ip: string, port: string): Promise<void> {
		let ifindex = this.ifindexOf(port);
		if (ifindex === undefined) {
			this.ports = portsByIfindex((await this.rtnl.dumpLinks()).items, this.interfaces);
			ifindex = this.ifindexOf(port);
		}
		if (ifindex === undefined) throw new UnknownPortError(port);
		await this.rtnl.resolve(ifindex, ip);
		const key = neighborKey({ ip, port });
		this.wanted.delete(key);
		this.wanted.set(key, { ip, port });
		if (this.wanted.size > MAX_WANTED) this.wanted.delete(this.wanted.keys().next().value ?? key);
		// the kernel does not announce NONE -> INCOMPLETE; look, so the dataplane learns the
		// next hop is being resolved (it is mirrored as an entry without a MAC)
		this.markDirty('resolve', ['neighbor']);
		this.log.debug({ ip, port }, 'next hop resolution requested');
	}

	private ifindexOf(port: string): number | undefined {
		for (const [ifindex, p] of this.ports) if (p === port) return ifindex;
		return undefined;
	}

	private onEvent(e: RtnlEvent): void {
		// a neighbour is keyed by its ifindex, so other interfaces' neighbours cannot matter;
		// a route replaced onto another interface removes it from ours, so any main-table route can
		if (e.kind === 'neighbor' && !this.ports.has(e.neighbor.ifindex)) return;
		if (e.kind === 'route' && e.route.table !== RT_TABLE_MAIN) return;
		this.stats.events++;
		// a link change can move ifindexes, and the kernel flushes a deleted link's IPv4 routes
		// without telling anyone: every table is looked at again
		this.markDirty(e.kind, e.kind === 'link' ? ALL : [e.kind]);
	}

	private markDirty(reason: string, tables: readonly Table[]): void {
		if (this.stopped) return;
		for (const t of tables) this.dirty.add(t);
		if (this.timer || this.running) return; // the running loop picks the flag up
		this.log.trace({ reason }, 'forwarding dirty');
		this.timer = setTimeout(() => {
			this.timer = undefined;
			void this.kick();
		}, this.coalesceMs);
	}

	private kick(): Promise<void> {
		this.running ??= this.loop().finally(() => {
			this.running = undefined;
		});
		return this.running;
	}

	private async loop(): Promise<void> {
		while (this.dirty.size > 0 && !this.stopped) {
			const tables = new Set(this.dirty);
			this.dirty.clear();
			try {
				const raced = await this.reconcile(tables);
				this.backoffMs = 0;
				if (raced.length > 0) {
					// a dump raced a change (NLM_F_DUMP_INTR): look again once the burst has settled
					for (const t of raced) this.dirty.add(t);
					await new Promise((r) => setTimeout(r, this.coalesceMs).unref());
				}
			} catch (err) {
				if (this.stopped) break; // stop() closed the socket under a dump
				this.stats.failures++;
				for (const t of ALL) this.dirty.add(t);
				this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(50, this.backoffMs * 2));
				this.log.warn({ err, retryInMs: this.backoffMs }, 'forwarding reconcile failed');
				await new Promise((r) => setTimeout(r, this.backoffMs).unref());
			}
		}
	}

	/**
	 * observe (dump the dirty tables, reuse the others' last dump) => desired => diff => apply.
	 * Returns the tables whose dump was interrupted by a concurrent change.
	 */
	private async reconcile(tables: ReadonlySet<Table>): Promise<Table[]> {
		this.stats.reconciles++;
		const raced: Table[] = [];
		let bad = 0;
		const observe = async <T>(table: Table, cached: T[] | undefined, dump: () => Promise<Dump<T>>): Promise<T[]> => {
			if (!tables.has(table) && cached !== undefined) return cached;
			const d = await dump();
			bad += d.bad;
			if (d.interrupted) raced.push(table);
			return d.items;
		};
		const links = await observe('link', this.observed.link, () => this.rtnl.dumpLinks());
		const neighbors = await observe('neighbor', this.observed.neighbor, () => this.rtnl.dumpNeighbors());
		const routes = await observe('route', this.observed.route, () => this.rtnl.dumpRoutes());
		if (this.stopped) return [];
		this.observed = { link: links, neighbor: neighbors, route: routes };
		this.ports = portsByIfindex(links, this.interfaces);
		const nd = tables.has('neighbor') || tables.has('link')
			? diffNeighbors(this.control.listNeighbors(), desiredNeighbors(neighbors, this.ports, this.fallback), this.mirrored)
			: { put: [], del: [] };
		for (const n of nd.del) this.control.delNeighbor(n);
		this.stats.neighborDels += nd.del.length;
		for (const n of nd.put) {
			// one neighbour the dataplane refuses must not hold back the others
			try {
				this.control.putNeighbor(n);
				this.stats.neighborPuts++;
				this.rejected.delete(neighborKey(n));
			} catch (err) {
				this.stats.neighborRejects++;
				if (!this.rejected.has(neighborKey(n))) this.log.warn({ err, ip: n.ip, port: n.port }, 'neighbour refused by the dataplane');
				this.rejected.add(neighborKey(n));
			}
		}

		const wantRoutes = desiredRoutes(routes, this.ports);
		const table = tables.has('route') || tables.has('link') ? mergeRoutes(this.control.listRoutes(), wantRoutes, this.mirrored) : null;
		if (table) {
			this.control.replaceRoutes(table);
			this.stats.routeReplaces++;
		}
		if (nd.put.length || nd.del.length || table || bad) {
			this.log.info({ neighborPuts: nd.put.length, neighborDels: nd.del.length, routes: table?.length, undecodable: bad }, 'forwarding mirrored');
		}
		if (this.refreshGateways) await this.resolveGateways(neighbors, wantRoutes);
		return raced;
	}

	private async resolveGateways(neighbors: readonly Neighbor[], routes: readonly RouteEntry[]): Promise<void> {
		const refresh = this.refreshDue;
		this.refreshDue = false;
		if (refresh) this.askedSinceRefresh.clear();
		// a next hop the kernel refuses or does not create an entry for must not loop
		// resolve -> reconcile -> resolve: between refreshes each is asked for once
		const due = gatewaysToResolve(neighbors, routes, [...this.wanted.values()], this.ports, refresh)
			.filter((g) => !this.askedSinceRefresh.has(`${g.ifindex}|${g.ip}`));
		let asked = 0;
		for (const g of due) {
			this.askedSinceRefresh.add(`${g.ifindex}|${g.ip}`);
			try {
				await this.rtnl.resolve(g.ifindex, g.ip);
				this.stats.gatewayResolves++;
				asked++;
			} catch (err) {
				this.log.warn({ err, ip: g.ip, port: g.port }, 'gateway resolution request failed');
			}
		}
		// NONE -> INCOMPLETE is silent in the kernel: look, so the dataplane sees them pending
		if (asked > 0) this.markDirty('gateways', ['neighbor']);
	}
}
