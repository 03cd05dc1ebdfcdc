// Per-tunnel traffic totals that never go backwards. charon (and the kernel, and the
// dataplane) count per SA, and an SA's counters leave with it at every rekey; Prometheus
// counters must not drop. So the agent remembers each SA's last-seen counters and, when the
// SA is gone, adds them to the tunnel's retired total. Rekeys are counted the same way:
// an SA that disappears while the tunnel still has a newer one was rekeyed away.
import type { ObservedTunnel } from './k8s-agent.js';

interface SaSeen {
	packetsIn: number;
	packetsOut: number;
	bytesIn: number;
	bytesOut: number;
}

interface TunnelState {
	retired: SaSeen;
	live: Map<string, SaSeen>;
	childRekeys: number;
}

export interface TunnelTotal {
	packets: { in: number; out: number };
	bytes: { in: number; out: number };
	childRekeys: number;
}

const zero = (): SaSeen => ({ packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 });

export class TunnelTotals {
	readonly #tunnels = new Map<string, TunnelState>();

	/** Folds one observation in; returns each observed tunnel's totals. */
	update(observed: ReadonlyMap<string, ObservedTunnel | undefined>): Map<string, TunnelTotal> {
		const out = new Map<string, TunnelTotal>();
		for (const [key, o] of observed) {
			const t = this.#tunnels.get(key) ?? { retired: zero(), live: new Map<string, SaSeen>(), childRekeys: 0 };
			this.#tunnels.set(key, t);
			const now = new Map<string, SaSeen>();
			for (const c of o?.childSas ?? []) {
				now.set(`${c.spiIn}/${c.spiOut}`, { packetsIn: c.packetsIn, packetsOut: c.packetsOut, bytesIn: c.bytesIn, bytesOut: c.bytesOut });
			}
			for (const [id, last] of t.live) {
				if (now.has(id)) continue;
				t.retired.packetsIn += last.packetsIn;
				t.retired.packetsOut += last.packetsOut;
				t.retired.bytesIn += last.bytesIn;
				t.retired.bytesOut += last.bytesOut;
				if (now.size > 0) t.childRekeys++;
			}
			t.live = now;
			const sum = { ...t.retired };
			for (const s of now.values()) {
				sum.packetsIn += s.packetsIn;
				sum.packetsOut += s.packetsOut;
				sum.bytesIn += s.bytesIn;
				sum.bytesOut += s.bytesOut;
			}
			out.set(key, { packets: { in: sum.packetsIn, out: sum.packetsOut }, bytes: { in: sum.bytesIn, out: sum.bytesOut }, childRekeys: t.childRekeys });
		}
		for (const key of [...this.#tunnels.keys()]) if (!observed.has(key)) this.#tunnels.delete(key);
		return out;
	}
}
