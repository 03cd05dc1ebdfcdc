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
import type { DpSa, Direction } from '../dataplane/types.js';
import { XFRM_MSG } from '../xfrm/codec/constants.js';
import { isXfrmDecodeError, type XfrmDecodeError } from '../xfrm/codec/errors.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { kernelSeq, type SaContext, type XfrmPolicy, type XfrmSa } from '../xfrm/convert.js';
import { handleMessage } from '../xfrm/messages/index.js';
import { buildNewAe } from '../xfrm/messages/newae.js';
import { KernelTables } from '../xfrm/state.js';
import { computeDesired, dpKey, type Desired, type DesiredSa, type MirrorScope, type Unprogrammable } from './xfrm-desired.js';
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
}

export interface MirrorStats {
	dumps: number;
	reconciles: number;
	overruns: number;
	decodeErrors: number;
	saPuts: number;
	saDels: number;
	spdReplaces: number;
}

const bigintJson = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** What makes two versions of an SA the same to the dataplane; the sequence state is not part of it. */
function fingerprint(sa: DpSa): string {
	const { seq: _seq, ...rest } = sa;
	return JSON.stringify(rest, bigintJson);
}

export class XfrmMirror {
	readonly tables = new KernelTables();
	readonly stats: MirrorStats = { dumps: 0, reconciles: 0, overruns: 0, decodeErrors: 0, saPuts: 0, saDels: 0, spdReplaces: 0 };
	private readonly o: XfrmMirrorOptions;
	private readonly margin: bigint;
	/** dpKey => fingerprint of what this process put into the dataplane */
	private readonly applied = new Map<string, string>();
	private readonly appliedSpd: Record<Direction, string | undefined> = { in: undefined, out: undefined };
	/** reasons already logged, so each is logged once */
	private readonly reported = new Map<string, string>();
	private desired: Desired = { sas: new Map(), policies: { in: [], out: [] }, unprogrammable: new Map() };
	private dirty = false;
	private needDump = true;
	private running: Promise<void> | undefined;
	/** events that arrive during a dump are applied after it, in order */
	private buffered: XfrmMessage[] | undefined;
	private sub: { stop(): Promise<void> } | undefined;
	private timer: NodeJS.Timeout | undefined;
	private lastError: unknown;

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
		for (const k of this.o.dataplane.listSas()) this.applied.set(dpKey(k.spi, k.dir, k.dst), '');
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

	/** The SA the dataplane holds under this key, with the kernel entry it came from. */
	lookup(key: string): DesiredSa | undefined {
		return this.desired.sas.get(key);
	}

	/** Everything the kernel holds that is not in the dataplane, with the reason. */
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
		this.dirty = true;
		this.running ??= this.loop().finally(() => { this.running = undefined; });
	}

	private async loop(): Promise<void> {
		// Let the events of one burst land before looking: one reconcile for many events.
		await new Promise<void>(r => setImmediate(r));
		while (this.dirty) {
			this.dirty = false;
			try {
				if (this.needDump) {
					this.needDump = false;
					await this.dump();
				}
				await this.reconcile();
				this.lastError = undefined;
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
		try {
			const [sas, pols] = await Promise.all([this.o.kernel.dump(XFRM_MSG.GETSA), this.o.kernel.dump(XFRM_MSG.GETPOLICY)]);
			const s: XfrmSa[] = [], p: XfrmPolicy[] = [];
			for (const m of sas) if (m.kind === 'sa') s.push({ info: m.body, attrs: m.attrs });
			for (const m of pols) if (m.kind === 'policy') p.push({ info: m.body, attrs: m.attrs });
			this.tables.replace(s, p);
			this.stats.dumps++;
		} finally {
			const late = this.buffered;
			this.buffered = undefined;
			if (late.length) this.onMessages(late);
		}
	}

	private async reconcile(): Promise<void> {
		this.stats.reconciles++;
		const d = computeDesired(this.tables, this.o, this.o.scope);
		const dp = this.o.dataplane;

		const puts: Array<[string, DesiredSa]> = [];
		for (const [k, ds] of d.sas) if (this.applied.get(k) !== fingerprint(ds.sa)) puts.push([k, ds]);
		const rejected = await this.placeSequenceNumbers(puts, d);
		for (const [k, ds] of puts) {
			if (rejected.has(k)) continue;
			try {
				dp.putSa(ds.sa);
				this.applied.set(k, fingerprint(ds.sa));
				this.stats.saPuts++;
				this.o.log.info({ spi: ds.sa.spi, dir: ds.sa.dir, dst: ds.sa.dst }, 'sa installed');
			} catch (e) {
				d.sas.delete(k);
				d.unprogrammable.set(ds.entry.key, { what: `sa ${ds.sa.spi} ${ds.sa.dir} ${ds.sa.dst}`, reason: `dataplane rejected it: ${(e as Error).message}` });
			}
		}

		// Policies may name only SAs that are really installed; a protect policy whose SA is
		// missing keeps its action and loses the SPI, so the dataplane drops.
		const installed = new Set([...this.applied.keys()].map(k => k.split('|').slice(0, 2).join('|')));
		for (const dir of ['in', 'out'] as const) {
			const spd = d.policies[dir].map(p => {
				if (!p.spi || installed.has(`${Number.parseInt(p.spi.slice(2), 16)}|${dir}`)) return p;
				const { spi: _spi, ...rest } = p;
				return rest;
			});
			const fp = JSON.stringify(spd);
			if (fp === this.appliedSpd[dir]) continue;
			dp.replacePolicies(dir, spd);
			this.appliedSpd[dir] = fp;
			this.stats.spdReplaces++;
			this.o.log.info({ dir, policies: spd.length }, 'spd replaced');
		}

		for (const k of [...this.applied.keys()]) {
			if (d.sas.has(k)) continue;
			const [spi, dir, dst] = k.split('|') as [string, Direction, string];
			try {
				dp.delSa({ spi: `0x${Number(spi).toString(16)}`, dir, dst });
				this.applied.delete(k);
				this.stats.saDels++;
				this.o.log.info({ spi: `0x${Number(spi).toString(16)}`, dir, dst }, 'sa removed');
			} catch (e) {
				this.o.log.warn({ spi, dir, dst, err: (e as Error).message }, 'sa removal failed, retrying on the next look');
			}
		}

		for (const [k, u] of d.unprogrammable) {
			if (this.reported.get(k) === u.reason) continue;
			this.reported.set(k, u.reason);
			this.o.log.warn({ what: u.what, reason: u.reason }, 'not programmable, not installed');
		}
		for (const k of this.reported.keys()) if (!d.unprogrammable.has(k)) this.reported.delete(k);
		this.desired = d;
	}

	/**
	 * Sets `seq` of the SAs about to be put. Inbound: the kernel's replay state. Outbound, new to
	 * this process: kernel oseq + margin, written to the kernel first. Outbound, already running
	 * here (a changed SA, e.g. new NAT-T ports): continue after the dataplane's own counter.
	 * Returns the keys whose kernel write failed; they are not installed this time.
	 */
	private async placeSequenceNumbers(puts: Array<[string, DesiredSa]>, d: Desired): Promise<Set<string>> {
		const rejected = new Set<string>();
		const outs = puts.filter(([, ds]) => ds.sa.dir === 'out');
		if (!outs.length) return rejected;
		let counters: Map<string, SaCounters> | undefined;
		const fresh: Array<[string, DesiredSa, bigint]> = [];
		for (const [k, ds] of outs) {
			if (this.applied.get(k)) {
				counters ??= new Map(this.o.dataplane.saCounters().map(c => [dpKey(c.spi, c.dir, c.dst), c]));
				const c = counters.get(k);
				if (c) { ds.sa.seq = c.seq + 1n; continue; }
			}
			const esn = ds.sa.esn ?? false;
			let resume = kernelSeq(ds.entry.sa, 'out') + this.margin;
			// Without ESN the counter must not wrap: park at the top, the dataplane will refuse to send and the soft limit rekeys.
			if (!esn && resume > 0xffffffffn) resume = 0xffffffffn;
			fresh.push([k, ds, resume]);
		}
		if (!fresh.length) return rejected;
		const errs = await this.o.kernel.batch(fresh.map(([, ds, resume]) => {
			const cur = ds.entry.sa.info.curlft;
			return buildNewAe(ds.entry.sa, { dir: 'out', bytes: cur.bytes, packets: cur.packets, useTime: cur.useTime, seq: resume });
		}));
		fresh.forEach(([k, ds, resume], i) => {
			const errno = errs[i] ?? 0;
			if (errno) {
				rejected.add(k);
				d.sas.delete(k);
				d.unprogrammable.set(ds.entry.key, { what: `sa ${ds.sa.spi} out ${ds.sa.dst}`, reason: `kernel refused the resumed sequence number (errno ${errno})` });
				return;
			}
			ds.sa.seq = resume + 1n;
		});
		return rejected;
	}
}

export { isXfrmDecodeError };
