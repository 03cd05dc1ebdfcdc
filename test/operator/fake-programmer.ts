// A TunnelProgrammer that stands in for strongSwan + XFRM + dataplane: it remembers what it
// was told to configure, reports it back as observed, and can be told to lag (a removed tunnel
// stays "in the kernel" for a few observations), to fail, or to carry traffic.
import type { DesiredTunnel, ObservedTunnel, TunnelProgrammer } from '../../operator/agent/k8s-agent.js';

interface Configured {
	generation: number;
	psk?: string;
}

export class FakeProgrammer implements TunnelProgrammer {
	readonly configured = new Map<string, Configured>();
	/** key → observations left before a removed tunnel is gone from the kernel/dataplane. */
	readonly removing = new Map<string, number>();
	readonly applies: string[][] = [];
	/** Every PSK seen per tunnel key, in order (the test checks rotation; never logged). */
	readonly psks = new Map<string, string[]>();
	removalLag = 0;
	establish = true;
	inDataplane = true;
	traffic = false;
	failing = new Set<string>();
	#tick = 0;

	async apply(tunnels: DesiredTunnel[]): Promise<{ errors?: Map<string, string> }> {
		this.applies.push(tunnels.map((t) => t.key).sort());
		const errors = new Map<string, string>();
		const wanted = new Set(tunnels.map((t) => t.key));
		for (const key of this.configured.keys()) {
			if (!wanted.has(key)) {
				this.configured.delete(key);
				if (this.removalLag > 0) this.removing.set(key, this.removalLag);
			}
		}
		for (const t of tunnels) {
			if (this.failing.has(t.key)) {
				errors.set(t.key, 'charon refused the connection: proposal mismatch');
				continue;
			}
			const psk = t.credentials.psk?.toString('utf8');
			if (psk !== undefined) {
				const seen = this.psks.get(t.key) ?? [];
				if (seen.at(-1) !== psk) seen.push(psk);
				this.psks.set(t.key, seen);
			}
			this.configured.set(t.key, { generation: t.tunnel.metadata.generation ?? 0, ...(psk !== undefined ? { psk } : {}) });
		}
		return { errors };
	}

	async observe(): Promise<Map<string, ObservedTunnel>> {
		this.#tick += 1;
		const out = new Map<string, ObservedTunnel>();
		const now = new Date();
		for (const key of this.configured.keys()) {
			const n = this.traffic ? this.#tick : 0;
			out.set(key, {
				presentIn: { strongswan: true, kernel: true, dataplane: true },
				...(this.establish ? { ike: { state: 'ESTABLISHED', version: 2 } } : { ike: { state: 'CONNECTING', version: 2 } }),
				childSas: this.establish
					? [{ name: 'net', state: 'INSTALLED', spiIn: 'c0000001', spiOut: 'c0000002', protocol: 'ESP', encapsulated: false, localTs: ['10.1.0.0/24'], remoteTs: ['10.2.0.0/24'], packetsIn: n, packetsOut: n, bytesIn: n * 100, bytesOut: n * 100, installedInDataplane: this.inDataplane }]
					: [],
				counters: { packetsIn: n, packetsOut: n, bytesIn: n * 100, bytesOut: n * 100, ...(this.traffic ? { lastInAt: now, lastOutAt: now } : {}) },
			});
		}
		for (const [key, left] of this.removing) {
			if (left <= 0) {
				this.removing.delete(key);
				continue;
			}
			this.removing.set(key, left - 1);
			out.set(key, { presentIn: { strongswan: false, kernel: true, dataplane: true }, childSas: [], counters: { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 } });
		}
		return out;
	}
}
