// Write-back: once a second, the dataplane's per-SA counters go into the kernel SA
// (XFRM_MSG_NEWAE: bytes, packets, last use, outbound sequence number / inbound replay
// window). The kernel never sees ESP packets when the dataplane owns the wire, so without
// this charon's byte/packet lifetimes, rekeys and inactivity checks, and `ip -s xfrm state`
// / `swanctl --list-sas`, would all see an idle SA. Only SAs whose counters moved are
// written. The kernel checks byte/packet limits only on its own packet path, so the
// write-back also raises the EXPIRE (soft: charon rekeys; hard: the kernel deletes the SA)
// when the dataplane's counters cross a limit.
//
// Limits are looked at ten times as often as counters are written (limitCheckMs, 100 ms):
// strongSwan's hard limit is only 10 % above rekey_bytes, so at a steady rate the rekey has a
// tenth of the time the soft limit took to reach. The kernel's own ESP raises the soft EXPIRE
// on the packet that crosses it; a once-a-second look spent up to all of that margin before
// charon even heard, and the old SA hit its hard limit mid-rekey (lifetime_expired drops).
// Between full rounds only SAs that crossed a limit not yet raised are written.
import type { Logger } from '../log/index.js';
import type { DataplaneControl, SaCounters } from '../dataplane/control.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { XFRM_INF } from '../xfrm/codec/lifetimes.js';
import type { XfrmSa } from '../xfrm/convert.js';
import { buildExpire, buildNewAe } from '../xfrm/messages/newae.js';
import { dpKey } from './xfrm-desired.js';
import type { KernelSource } from './xfrm-kernel.js';
import type { XfrmMirror } from './xfrm-mirror.js';

export interface WritebackOptions {
	mirror: XfrmMirror;
	dataplane: DataplaneControl;
	kernel: KernelSource;
	log: Logger;
	/** default 1000 ms */
	intervalMs?: number;
	/** how often crossed byte/packet limits are looked for; default 100 ms, at most intervalMs */
	limitCheckMs?: number;
}

export interface WritebackStats {
	rounds: number;
	/** limit-only looks between full rounds */
	limitChecks: number;
	written: number;
	failed: number;
	softExpires: number;
	hardExpires: number;
}

/** {an SA's limits, its byte and packet counts} => the strongest limit they reach */
function crossed(lft: XfrmSa['info']['lft'], bytes: bigint, packets: bigint): 'soft' | 'hard' | undefined {
	const past = (limit: bigint, v: bigint) => limit !== XFRM_INF && v >= limit;
	if (past(lft.hardByteLimit, bytes) || past(lft.hardPacketLimit, packets)) return 'hard';
	if (past(lft.softByteLimit, bytes) || past(lft.softPacketLimit, packets)) return 'soft';
	return undefined;
}

/**
 * {kernel SA as last seen} => the expire an earlier write-back (of this process or of one
 * killed before it: the dataplane host and its counters outlive agents) must already have
 * raised, since it wrote counters past that limit into the kernel in the same round. Raising it
 * again would make charon rekey a second time.
 */
const raisedBefore = (info: XfrmSa['info']) => crossed(info.lft, info.curlft.bytes, info.curlft.packets);

export class XfrmWriteback {
	readonly stats: WritebackStats = { rounds: 0, limitChecks: 0, written: 0, failed: 0, softExpires: 0, hardExpires: 0 };
	private readonly o: WritebackOptions;
	/** dpKey => counters last written, to skip idle SAs */
	private readonly last = new Map<string, string>();
	/** kernel SA key => which expire was already raised */
	private readonly expired = new Map<string, 'soft' | 'hard'>();
	private timer: NodeJS.Timeout | undefined;
	private running: Promise<void> | undefined;

	constructor(opts: WritebackOptions) {
		this.o = opts;
	}

	start(): void {
		const full = this.o.intervalMs ?? 1000;
		const tick = Math.min(this.o.limitCheckMs ?? 100, full);
		const every = Math.max(1, Math.round(full / tick));
		let n = 0;
		this.timer = setInterval(() => {
			if (this.running) return;
			const onlyLimits = ++n % every !== 0;
			this.running = this.round({ onlyLimits }).finally(() => { this.running = undefined; });
		}, tick);
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		await this.running;
	}

	/**
	 * One write-back of every SA whose counters moved, or with onlyLimits of those that crossed
	 * a limit not yet raised; resolves when the kernel answered.
	 */
	async round(o: { onlyLimits?: boolean } = {}): Promise<void> {
		if (o.onlyLimits) this.stats.limitChecks++;
		else this.stats.rounds++;
		const msgs: XfrmMessage[] = [];
		const keys: string[] = [];
		let counters: SaCounters[];
		try {
			counters = this.o.dataplane.saCounters();
		} catch (e) {
			this.o.log.warn({ err: (e as Error).message }, 'dataplane counters unreadable, write-back skipped');
			return;
		}
		const live = new Set<string>();
		const liveSas = new Set<string>();
		for (const c of counters) {
			const k = dpKey(c.spi, c.dir, c.dst);
			live.add(k);
			const ds = this.o.mirror.lookup(k);
			if (!ds) continue;
			liveSas.add(ds.entry.key);
			// an expire goes up once per level: soft, then hard (a hard crossing first raises hard alone)
			const was = this.expired.get(ds.entry.key) ?? raisedBefore(ds.entry.sa.info);
			const now = crossed(ds.entry.sa.info.lft, c.bytes, c.packets);
			const raise = now === 'hard' ? (was === 'hard' ? undefined : 'hard') : now === 'soft' && !was ? 'soft' : undefined;
			if (o.onlyLimits && !raise) continue;
			const sig = `${c.packets}|${c.bytes}|${c.seq}|${c.lastUsed}|${c.replayBitmap?.join(',') ?? ''}`;
			const before = this.last.get(k);
			this.last.set(k, sig);
			// Unchanged, or never used (the mirror already wrote a fresh SA's starting state).
			if (!raise && (before === sig || (before === undefined && c.packets === 0n))) continue;
			// The counters go in first: charon reads them when the EXPIRE arrives.
			const v = { dir: c.dir, bytes: c.bytes, packets: c.packets, useTime: BigInt(c.lastUsed), seq: c.seq, ...(c.replayBitmap ? { bitmap: c.replayBitmap } : {}) };
			msgs.push(buildNewAe(ds.entry.sa, v));
			keys.push(k);
			if (!raise) continue;
			msgs.push(buildExpire(ds.entry.sa, raise === 'hard'));
			keys.push(k);
			this.expired.set(ds.entry.key, raise);
			if (raise === 'hard') this.stats.hardExpires++;
			else this.stats.softExpires++;
		}
		if (!o.onlyLimits) {
			for (const k of this.last.keys()) if (!live.has(k)) this.last.delete(k);
			for (const k of this.expired.keys()) if (!liveSas.has(k)) this.expired.delete(k);
		}
		if (!msgs.length) return;
		const errs = await this.o.kernel.batch(msgs);
		errs.forEach((errno, i) => {
			if (!errno) { this.stats.written++; return; }
			this.stats.failed++;
			// ESRCH/ENOENT: the SA went away between the look and the write; the mirror will notice.
			const k = keys[i] ?? '';
			this.last.delete(k);
			this.o.log.debug({ sa: k, errno }, 'write-back refused');
		});
	}
}
