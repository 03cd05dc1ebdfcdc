// Tunnel spec.mssClamp → the XFRM reqid of each of its CHILD_SAs → the clamp of those SAs in
// the dpdk dataplane (the XFRM mirror), or iptables TCPMSS rules on that reqid with the
// kernel's ESP (kernel-mss-clamp.ts). The kernel's SAs carry no tunnel name, only charon's reqid; charon's
// list-sas names the config (the tunnel) and the reqid of every CHILD_SA, so the map is read
// from there rather than fixed by us:
//   - a fixed `reqid` in load-conn is documented to work only while a CHILD config is
//     instantiated once (remote-access and hub tunnels instantiate theirs many times), would
//     collide with the reqids charon allocates to configs loaded by anyone else, and has had
//     refcounting bugs on make-before-break reauthentication;
//   - read from list-sas, a rekey keeps its reqid (already in the map: clamped from the first
//     packet), several CHILD_SAs each bring their own, and a restarted charon's new reqids
//     are read again on reconnect.
// Level-based: charon's child-updown / child-rekey events, a reconnect, a tunnel edit and a
// periodic timer all say only "look again"; each look rebuilds the whole map. A brand-new
// CHILD_SA's reqid is known once its child-updown event has arrived and list-sas answered:
// a fraction of a second (0.24 s in the UML end-to-end test) during which its SAs run
// unclamped (they are put again with the clamp).
import type { Logger } from '../log/index.js';
import type { ViciClient } from '../vici/client.js';
import { listSas, type IkeSaInfo } from '../vici/commands.js';

/** {charon's IKE SAs, clamp of an IKE config (0/undefined: none)} => clamp by reqid; two tunnels on one reqid (identical selectors) get the smaller */
export function clampsByReqid(sas: readonly IkeSaInfo[], clampOf: (ikeConfig: string) => number | undefined): Map<number, number> {
	const out = new Map<number, number>();
	for (const ike of sas) {
		const clamp = clampOf(ike.name) ?? 0;
		if (clamp <= 0) continue;
		for (const c of ike.children) {
			const reqid = Number(c.reqid);
			if (!Number.isInteger(reqid) || reqid <= 0) continue;
			const had = out.get(reqid);
			out.set(reqid, had === undefined ? clamp : Math.min(had, clamp));
		}
	}
	return out;
}

export interface MssClampSourceOptions {
	client: ViciClient;
	clampOf: (ikeConfig: string) => number | undefined;
	/** whether any tunnel clamps at all: when none does, charon is not asked */
	anyClamp: () => boolean;
	/** gets every new map (the XFRM mirror's setMssClamps) */
	apply: (byReqid: Map<number, number>) => void;
	log: Logger;
	/** anti-entropy look; default 10 s */
	intervalMs?: number;
}

// charon announces CHILD_SAs coming up, going down and being rekeyed with these.
const EVENTS = ['child-updown', 'child-rekey'];

export class MssClampSource {
	readonly #o: MssClampSourceOptions;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<void> | undefined;
	#again = false;
	#stopped = false;
	#lastError = '';

	constructor(o: MssClampSourceOptions) {
		this.#o = o;
	}

	start(): void {
		const c = this.#o.client;
		c.on('connected', this.#onConnected);
		c.on('event', this.#onEvent);
		if (c.connected) this.#onConnected();
		this.#timer = setInterval(() => this.refresh(), this.#o.intervalMs ?? 10_000);
		this.#timer.unref();
	}

	stop(): void {
		this.#stopped = true;
		clearInterval(this.#timer);
		this.#o.client.off('connected', this.#onConnected);
		this.#o.client.off('event', this.#onEvent);
	}

	readonly #onConnected = (): void => {
		// Subscriptions are kept across reconnects once made; a first failure is retried on the next connect.
		this.#o.client.subscribe(...EVENTS).catch((e: unknown) => this.#o.log.warn({ err: (e as Error).message }, 'charon CHILD_SA events not subscribed; relying on periodic looks'));
		this.refresh();
	};

	readonly #onEvent = (name: string): void => {
		if (EVENTS.includes(name)) this.refresh();
	};

	/** "Look again": coalesces into one list-sas at a time. */
	refresh(): void {
		if (this.#stopped) return;
		if (this.#running) { this.#again = true; return; }
		this.#running = this.#look().finally(() => {
			this.#running = undefined;
			if (this.#again) { this.#again = false; this.refresh(); }
		});
	}

	/** Resolves when no look is running or queued. */
	async settled(): Promise<void> {
		while (this.#running) await this.#running;
	}

	async #look(): Promise<void> {
		// Nothing clamps (the common case, e.g. fifty tunnels without it): no list-sas per event.
		if (!this.#o.anyClamp()) { this.#o.apply(new Map()); return; }
		if (!this.#o.client.connected) return;
		try {
			// Blocking (not noblock): an IKE_SA busy installing a CHILD_SA is waited for, not
			// skipped — a skipped one would drop its reqids and unclamp its SAs until the next look.
			const sas = await listSas(this.#o.client);
			this.#o.apply(clampsByReqid(sas, this.#o.clampOf));
			this.#lastError = '';
		} catch (e) {
			// The map stays as it was: SAs keep their clamp until charon answers again.
			const msg = (e as Error).message;
			if (msg !== this.#lastError) this.#o.log.warn({ err: msg }, 'charon SAs not listed, MSS clamps not refreshed');
			this.#lastError = msg;
		}
	}
}
