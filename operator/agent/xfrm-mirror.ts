// The XFRM mirror: keeps the dataplane's SAD and SPD equal to the kernel's XFRM database.
//
// Level-based, like a controller: the kernel tables are observed (a full dump at start, after
// any lost event and every resyncIntervalMs; events in between only update the observed
// tables), desired = computeDesired(tables), and the difference to what this process put into
// the dataplane is applied. Events never drive the dataplane directly; they mark the mirror
// dirty and a coalesced reconcile looks again. UPDSA is handled exactly like NEWSA.
//
// Order of one reconcile, so that no protected flow can leave in clear and a rekey is
// make-before-break: new and changed SAs first, then the SPDs (which may now point at a new
// SA), then deletions. An outbound protect policy whose SA is missing is installed as protect
// without an SPI: the dataplane drops (counted).
//
// Restart safety: an outbound SA installed for the first time by this process starts at the
// kernel's oseq + seqMargin, and that value is written into the kernel (NEWAE) before the
// dataplane gets the SA. The write-back keeps oseq within a second of the truth, so after a
// crash (even SIGKILL) the next process starts above every number the last one sent.
import type { Logger } from '../log/index.js';
import type { DataplaneControl, SaCounters } from '../dataplane/control.js';
import type { Direction, DpPolicy, DpSa } from '../dataplane/types.js';
import { XFRM_MSG } from '../xfrm/codec/constants.js';
import { isXfrmDecodeError, type XfrmDecodeError } from '../xfrm/codec/errors.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { kernelSeq, type SaContext, type XfrmPolicy, type XfrmSa } from '../xfrm/convert.js';
import { handleMessage } from '../xfrm/messages/index.js';
import { buildNewAe } from '../xfrm/messages/newae.js';
import { KernelTables } from '../xfrm/state.js';
import { DesiredState, dpKey, saDiffers, type DesiredSa, type MirrorScope, type Unprogrammable } from './xfrm-desired.js';
import type { KernelSource } from './xfrm-kernel.js';

/**
 * How far above the last written-back oseq a restarted agent starts an outbound SA.
 * 2^25 ≈ 33.5 M packets: the write-back runs every second, so between two write-backs one SA
 * can send at most one second of traffic; 2^25 covers 10 Mpps (beyond one core's ESP rate)
 * for three seconds, i.e. a write-back period plus two missed ones. It costs 0.8 % of a
 * 32-bit sequence space per restart, and charon rekeys long before the space runs out.
 */
export const DEFAULT_SEQ_MARGIN = 1n << 25n;

export interface XfrmMirrorOptions extends SaContext {
	dataplane: DataplaneControl;
	kernel: KernelSource;
	log: Logger;
	scope?: MirrorScope;
	seqMargin?: bigint;
	/** full re-dump period (anti-entropy); default 60 s, 0 = never */
	resyncIntervalMs?: number;
	/** called when the dataplane equals the kernel again, with the seconds since the first change (metrics) */
	onSynced?: (lagSeconds: number) => void;
}

export interface MirrorStats {
	dumps: number;
	reconciles: number;
	overruns: number;
	decodeErrors: number;
	saPuts: number;
	/** SAs found in the dataplane at start exactly as wanted, kept without a put */
	saAdopted: number;
	saDels: number;
	spdReplaces: number;
	/** durations of the last full dump, reconcile and kernel write (sequence numbers), ms */
	lastDumpMs: number;
	lastReconcileMs: number;
	lastKernelWriteMs: number;
}

export class XfrmMirror {
	readonly tables = new KernelTables();
	readonly stats: MirrorStats = { dumps: 0, reconciles: 0, overruns: 0, decodeErrors: 0, saPuts: 0, saAdopted: 0, saDels: 0, spdReplaces: 0, lastDumpMs: 0, lastReconcileMs: 0, lastKernelWriteMs: 0 };
	private readonly o: XfrmMirrorOptions;
	private readonly margin: bigint;
	/** dpKey => the SA this process put into the dataplane (null: found there at start, unknown) */
	private readonly applied = new Map<string, DpSa | null>();
	/** the ids of the SPD entries this process installed, per direction */
	private readonly appliedSpd: Record<Direction, string[] | undefined> = { in: undefined, out: undefined };
	/** the SPD as the dataplane accepted it last, per direction (what `esplane sp list` shows) */
	private readonly enforced: Record<Direction, DpPolicy[]> = { in: [], out: [] };
	/** "spi|dir" => how many installed SAs have it, so policies name only installed SAs */
	private readonly installedSpis = new Map<string, number>();
	/** reasons already logged, so each is logged once */
	private readonly reported = new Map<string, string>();
	private readonly desired = new DesiredState();
	/** removals the dataplane refused, retried on the next look */
	private readonly failedDels = new Set<string>();
	private dirty = false;
	private needDump = true;
	private running: Promise<void> | undefined;
	/** events that arrive during a dump are applied after it, in order */
	private buffered: XfrmMessage[] | undefined;
	private sub: { stop(): Promise<void> } | undefined;
	private timer: NodeJS.Timeout | undefined;
	private lastError: unknown;
	private stopped = false;
	/** when the first change not yet in the dataplane was seen */
	private dirtySince: number | undefined;
	/** TCP MSS clamp by XFRM reqid (setMssClamps) */
	private clamps: ReadonlyMap<number, number> = new Map();

	constructor(opts: XfrmMirrorOptions) {
		this.o = opts;
		this.margin = opts.seqMargin ?? DEFAULT_SEQ_MARGIN;
	}

	isLocal(addr: string): boolean {
		return this.o.isLocal(addr);
	}

	/** Subscribes, then dumps and reconciles once; resolves when the dataplane is in sync. */
	async start(): Promise<void> {
		// Whatever the dataplane holds that the kernel does not gets removed by the first reconcile.
		for (const k of this.o.dataplane.listSas()) this.markInstalled(dpKey(k.spi, k.dir, k.dst), null);
		// Subscribe before dumping so no change between the two is missed.
		this.sub = this.o.kernel.subscribe({
			onMessages: msgs => this.onMessages(msgs),
			onOverrun: () => {
				this.stats.overruns++;
				this.o.log.warn('xfrm events lost (ENOBUFS), re-dumping');
				this.resync();
			},
			onDecodeError: (e: XfrmDecodeError) => {
				this.stats.decodeErrors++;
				this.o.log.warn({ what: e.what, err: e.message }, 'xfrm message not decodable, re-dumping');
				this.resync();
			},
			onFatal: e => this.o.log.error({ err: e }, 'xfrm event socket failed'),
		});
		this.resync();
		await this.settled();
		const every = this.o.resyncIntervalMs ?? 60_000;
		if (every > 0) {
			this.timer = setInterval(() => this.resync(), every);
			this.timer.unref();
		}
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		await this.sub?.stop();
		await this.settled();
	}

	/** Resolves when no reconcile is running or pending. */
	async settled(): Promise<void> {
		while (this.running) await this.running;
	}

	/** Forces a full dump and reconcile. */
	resync(): void {
		this.needDump = true;
		this.schedule();
	}

	/**
	 * {clamp by XFRM reqid} => the SAs of each reqid clamp TCP MSS to it (absent: no clamping).
	 * Level-based like the rest: an SA whose clamp changed differs from what the dataplane
	 * holds and is put again (its sequence and replay state carry over in the dataplane).
	 */
	setMssClamps(byReqid: ReadonlyMap<number, number>): void {
		const same = byReqid.size === this.clamps.size && [...byReqid].every(([r, c]) => this.clamps.get(r) === c);
		if (same) return;
		this.clamps = new Map(byReqid);
		this.schedule();
	}

	/** The SA the dataplane holds under this key, with the kernel entry it came from. */
	lookup(key: string): DesiredSa | undefined {
		return this.desired.sas.get(key);
	}

	/** Everything the kernel holds that is not in the dataplane, with the reason. */
	/** {} => the policies the dataplane enforces, outbound then inbound, in lookup order */
	policies(): DpPolicy[] {
		return [...this.enforced.out, ...this.enforced.in];
	}

	unprogrammable(): Unprogrammable[] {
		return [...this.desired.unprogrammable.values()];
	}

	get error(): unknown {
		return this.lastError;
	}

	onMessages(msgs: XfrmMessage[]): void {
		if (this.buffered) { this.buffered.push(...msgs); return; }
		let changed = false;
		for (const m of msgs) {
			const r = handleMessage(this.tables, m);
			if (r === 'resync') this.needDump = true;
			if (r !== 'ignored') changed = true;
		}
		if (changed) this.schedule();
	}

	private schedule(): void {
		this.dirtySince ??= performance.now();
		this.dirty = true;
		this.running ??= this.loop().finally(() => { this.running = undefined; });
	}

	private async loop(): Promise<void> {
		// Let the events of one burst land before looking: one reconcile for many events.
		await new Promise<void>(r => setImmediate(r));
		while (this.dirty && !this.stopped) {
			this.dirty = false;
			try {
				if (this.needDump) {
					this.needDump = false;
					await this.dump();
				}
				const t = performance.now();
				await this.reconcile();
				this.stats.lastReconcileMs = performance.now() - t;
				this.lastError = undefined;
				if (!this.dirty && this.dirtySince !== undefined) {
					this.o.onSynced?.((performance.now() - this.dirtySince) / 1000);
					this.dirtySince = undefined;
				}
			} catch (e) {
				this.lastError = e;
				this.o.log.error({ err: e }, 'xfrm mirror reconcile failed, retrying');
				this.needDump = true;
				await new Promise(r => setTimeout(r, 500).unref());
				this.dirty = true;
			}
		}
	}

	private async dump(): Promise<void> {
		this.buffered = [];
		const t = performance.now();
		try {
			const [sas, pols] = await Promise.all([this.o.kernel.dump(XFRM_MSG.GETSA), this.o.kernel.dump(XFRM_MSG.GETPOLICY)]);
			const s: XfrmSa[] = [], p: XfrmPolicy[] = [];
			for (const m of sas) if (m.kind === 'sa') s.push({ info: m.body, attrs: m.attrs });
			for (const m of pols) if (m.kind === 'policy') p.push({ info: m.body, attrs: m.attrs });
			this.tables.replace(s, p);
			this.stats.dumps++;
			this.stats.lastDumpMs = performance.now() - t;
		} finally {
			const late = this.buffered;
			this.buffered = undefined;
			if (late.length) this.onMessages(late);
		}
	}

	private async reconcile(): Promise<void> {
		this.stats.reconciles++;
		const d = this.desired;
		// Only what changed since the last look is re-derived; after a dump, everything.
		const changed = d.update(this.tables, this.o, this.o.scope, this.tables.takeChanges(), this.clamps);
		const dp = this.o.dataplane;

		const puts: Array<[string, DesiredSa]> = [];
		const dels: string[] = [];
		let adopted = 0;
		for (const k of changed.sas ?? d.sas.keys()) {
			const ds = d.sas.get(k);
			if (!ds || !saDiffers(this.applied.get(k), ds.sa)) continue;
			// Found in the dataplane at start and exactly the SA wanted (a dataplane host that
			// outlived the last agent): taken as it is, its sequence numbers and counters running on.
			if (this.applied.get(k) === null && dp.holds?.(ds.sa)) {
				this.markInstalled(k, ds.sa);
				this.stats.saAdopted++;
				adopted++;
				continue;
			}
			puts.push([k, ds]);
		}
		if (adopted) this.o.log.info({ count: adopted }, 'sas adopted as the dataplane holds them');
		// Removals: SAs whose kernel entry changed or went; after a dump, anything not desired.
		const retry = [...this.failedDels];
		this.failedDels.clear();
		for (const k of changed.sas === undefined ? this.applied.keys() : [...changed.sas, ...retry]) {
			if (!d.sas.has(k) && this.applied.has(k)) dels.push(k);
		}
		const bulk = puts.length > 16;
		const install = (list: Array<[string, DesiredSa]>, seqs: Map<string, bigint | null>) => {
			for (const [k, ds] of list) {
				const seq = seqs.get(k);
				if (seq === null) continue;
				const sa = seq === undefined ? ds.sa : { ...ds.sa, seq };
				try {
					dp.putSa(sa);
					this.markInstalled(k, ds.sa);
					this.stats.saPuts++;
					// A first sync of thousands of SAs logs one summary line, single changes one line each.
					if (!bulk) this.o.log.info({ spi: sa.spi, dir: sa.dir, dst: sa.dst }, 'sa installed');
				} catch (e) {
					d.reject(k, `dataplane rejected it: ${(e as Error).message}`);
				}
			}
		};
		// Inbound SAs first, before the kernel round trip the outbound ones wait for: in a rekey
		// the peer may send on its new SA as soon as its charon has installed it, and every
		// millisecond the dataplane lacks the inbound twin is a packet dropped as unknown_spi.
		install(puts.filter(([, ds]) => ds.sa.dir === 'in'), new Map());
		const outs = puts.filter(([, ds]) => ds.sa.dir === 'out');
		install(outs, await this.placeSequenceNumbers(outs));
		if (bulk) this.o.log.info({ count: puts.length }, 'sas installed');
		if (!changed.policies && !puts.length && !dels.length && !adopted) { this.report(); return; }

		for (const dir of ['in', 'out'] as const) {
			// Policies may name only SAs that are really installed; a protect policy whose SA is
			// missing falls back to its reqid (or drops): never a bypass.
			const want = d.policies[dir];
			const last = this.appliedSpd[dir];
			const ps: DpPolicy[] = new Array<DpPolicy>(want.length);
			const ids: string[] = new Array<string>(want.length);
			let same = last !== undefined && last.length === want.length;
			for (let i = 0; i < want.length; i++) {
				const x = want[i]!;
				if (x.spiKey === undefined || this.installedSpis.has(x.spiKey)) {
					ps[i] = x.p;
					ids[i] = x.id;
				} else {
					// The named SA is not in the dataplane: by reqid if there is one, else drop.
					const { spi: _spi, ...rest } = x.p;
					const p: DpPolicy = rest.reqid ? rest : { ...rest, action: 'discard' };
					ps[i] = p;
					ids[i] = JSON.stringify(p);
				}
				if (same && ids[i] !== last![i]) same = false;
			}
			if (same) continue;
			try {
				dp.replacePolicies(dir, ps);
			} catch (e) {
				// The old SPD stays in force (the dataplane replaces atomically or not at all).
				this.o.log.error({ dir, err: (e as Error).message }, 'spd not replaced, dataplane refused it');
				continue;
			}
			this.appliedSpd[dir] = ids;
			this.enforced[dir] = ps;
			this.stats.spdReplaces++;
			this.o.log.info({ dir, policies: ps.length }, 'spd replaced');
		}

		for (const k of dels) {
			const [n, dir, dst] = k.split('|') as [string, Direction, string];
			const spi = `0x${Number(n).toString(16)}` as const;
			try {
				dp.delSa({ spi, dir, dst });
				this.markRemoved(k);
				this.stats.saDels++;
				this.o.log.info({ spi, dir, dst }, 'sa removed');
			} catch (e) {
				this.failedDels.add(k);
				this.o.log.warn({ spi, dir, dst, err: (e as Error).message }, 'sa removal failed, retrying on the next look');
			}
		}
		this.report();
	}

	private report(): void {
		const d = this.desired;
		for (const [k, u] of d.unprogrammable) {
			if (this.reported.get(k) === u.reason) continue;
			this.reported.set(k, u.reason);
			this.o.log.warn({ what: u.what, reason: u.reason }, 'not programmable, not installed');
		}
		for (const k of this.reported.keys()) if (!d.unprogrammable.has(k)) this.reported.delete(k);
	}

	private markInstalled(k: string, sa: DpSa | null): void {
		if (!this.applied.has(k)) {
			const s = k.slice(0, k.lastIndexOf('|'));
			this.installedSpis.set(s, (this.installedSpis.get(s) ?? 0) + 1);
		}
		this.applied.set(k, sa);
	}

	private markRemoved(k: string): void {
		if (!this.applied.delete(k)) return;
		const s = k.slice(0, k.lastIndexOf('|'));
		const n = (this.installedSpis.get(s) ?? 1) - 1;
		if (n > 0) this.installedSpis.set(s, n); else this.installedSpis.delete(s);
	}

	/**
	 * The `seq` of each outbound SA about to be put (inbound SAs keep the kernel's replay state
	 * the converter set). New to this process: kernel oseq + margin, written to the kernel
	 * first. Already running here (a changed SA, e.g. new NAT-T ports): continue after the
	 * dataplane's own counter. null: the kernel write failed, not installed this time.
	 */
	private async placeSequenceNumbers(puts: Array<[string, DesiredSa]>): Promise<Map<string, bigint | null>> {
		const seqs = new Map<string, bigint | null>();
		const outs = puts.filter(([, ds]) => ds.sa.dir === 'out');
		if (!outs.length) return seqs;
		let counters: Map<string, SaCounters> | undefined;
		const fresh: Array<[string, DesiredSa, bigint]> = [];
		for (const [k, ds] of outs) {
			if (this.applied.get(k)) {
				counters ??= new Map(this.o.dataplane.saCounters().map(c => [dpKey(c.spi, c.dir, c.dst), c]));
				const c = counters.get(k);
				if (c) { seqs.set(k, c.seq + 1n); continue; }
			}
			const esn = ds.sa.esn ?? false;
			let resume = kernelSeq(ds.entry.sa, 'out') + this.margin;
			// Without ESN the counter must not wrap: park at the top; the dataplane cannot send and the soft limit rekeys.
			if (!esn && resume > 0xffffffffn) resume = 0xffffffffn;
			fresh.push([k, ds, resume]);
		}
		if (!fresh.length) return seqs;
		const t = performance.now();
		const errs = await this.o.kernel.batch(fresh.map(([, ds, resume]) => {
			const cur = ds.entry.sa.info.curlft;
			return buildNewAe(ds.entry.sa, { dir: 'out', bytes: cur.bytes, packets: cur.packets, useTime: cur.useTime, seq: resume });
		}));
		this.stats.lastKernelWriteMs = performance.now() - t;
		fresh.forEach(([k, , resume], i) => {
			const errno = errs[i] ?? 0;
			if (errno) {
				seqs.set(k, null);
				this.desired.reject(k, `kernel refused the resumed sequence number (errno ${errno})`);
				return;
			}
			seqs.set(k, resume + 1n);
		});
		return seqs;
	}
}

export { isXfrmDecodeError };
