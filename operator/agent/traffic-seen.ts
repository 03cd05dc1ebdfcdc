// When traffic was last seen on each CHILD SA, each way, from its packet counters moving
// between two observations. charon's use-in/use-out are the kernel's policy use times, which
// only the kernel's own packet path updates: with the dpdk dataplane on the wire they stay
// empty (the write-back moves the SAs' counters, not the policies' use times), and a tunnel
// carrying traffic both ways would never be Ready. The counters are the dataplane's either way.
export interface TrafficSeen {
	inAt?: Date;
	outAt?: Date;
}

export class TrafficClock {
	readonly #last = new Map<string, { packetsIn: number; packetsOut: number } & TrafficSeen>();
	#seen = new Set<string>();

	/**
	 * One CHILD SA's counters now (key: its SPI pair). The first sight only records them: when
	 * those packets crossed is unknown.
	 */
	seen(key: string, packetsIn: number, packetsOut: number, now: Date): TrafficSeen {
		this.#seen.add(key);
		const before = this.#last.get(key);
		const next = { packetsIn, packetsOut, ...(before?.inAt ? { inAt: before.inAt } : {}), ...(before?.outAt ? { outAt: before.outAt } : {}) };
		if (before && packetsIn > before.packetsIn) next.inAt = now;
		if (before && packetsOut > before.packetsOut) next.outAt = now;
		this.#last.set(key, next);
		return { ...(next.inAt ? { inAt: next.inAt } : {}), ...(next.outAt ? { outAt: next.outAt } : {}) };
	}

	/** Ends an observation: SAs not seen in it are gone (rekeyed, deleted) and forgotten. */
	sweep(): void {
		for (const key of this.#last.keys()) if (!this.#seen.has(key)) this.#last.delete(key);
		this.#seen = new Set();
	}
}
