// The node's IPsec machinery behind one interface (TunnelProgrammer), whichever source the
// tunnels come from (Kubernetes or a config directory): render each tunnel into strongSwan
// configuration, let the charon reconciler load it, and observe what charon, the kernel and
// the dataplane actually hold. Nothing here is remembered from requests: observe() asks.
import type { Logger } from '../log/index.js';
import { createLogger } from '../log/index.js';
import type { ViciClient } from '../vici/client.js';
import { listSas, type IkeSaInfo } from '../vici/commands.js';
import type { DesiredTunnel, ObservedChildSa, ObservedTunnel, TunnelProgrammer, Credentials } from './k8s-agent.js';
import type { CharonReconciler } from './strongswan/reconcile.js';
import { specToVici, type RenderedTunnel, type TunnelSecrets } from './strongswan/render.js';
import { isTunnelSpecError } from './strongswan/spec-error.js';
import { TrafficClock } from './traffic-seen.js';

/** SPIs (hex, as charon prints them: "c0ffee01") present somewhere: the kernel's SAD or the dataplane. */
export type SpiProbe = () => Promise<Set<string>> | Set<string>;

export interface NodeProgrammerOptions {
	client: ViciClient;
	reconciler: CharonReconciler;
	/** 'kernel': the kernel's ESP does the work; 'dpdk': the dataplane must hold every SA too. */
	dataplane: 'dpdk' | 'kernel';
	/** SPIs in the kernel's XFRM database. */
	kernelSpis: SpiProbe;
	/** SPIs installed in the dataplane (dpdk mode). */
	dataplaneSpis?: SpiProbe;
	log?: Logger;
	/** after every apply (tunnels may have been edited): e.g. re-read the MSS clamps */
	onApplied?: () => void;
}

/** Secret bytes as the renderer takes them. The renderer never logs them. */
function secretsFor(c: Credentials): TunnelSecrets {
	const s: TunnelSecrets = {};
	if (c.psk) s.psk = c.psk.toString('utf8');
	if (c.x509) s.x509 = { cert: c.x509.cert.toString('utf8'), key: c.x509.key.toString('utf8'), ...(c.x509.ca ? { ca: c.x509.ca.toString('utf8') } : {}) };
	if (c.eapUsers) s.eapUsers = Object.fromEntries(Object.entries(c.eapUsers).map(([u, p]) => [u, p.toString('utf8')]));
	return s;
}

function secondsAgo(v: unknown, now: number): Date | undefined {
	const n = typeof v === 'string' ? Number(v) : NaN;
	return Number.isFinite(n) && n >= 0 ? new Date(now - n * 1000) : undefined;
}

const normSpi = (spi: string): string => spi.toLowerCase().replace(/^0x/, '').replace(/^0+(?=.)/, '');

export class NodeProgrammer implements TunnelProgrammer {
	readonly #o: NodeProgrammerOptions;
	readonly #log: Logger;
	/** IKE config name → tunnel key, from the last apply (a hub renders one conn per spoke). */
	#connToTunnel = new Map<string, string>();
	/** tunnel key → spec.mssClamp, from the last apply */
	#mssClamp = new Map<string, number>();
	#renderErrors = new Map<string, string>();
	readonly #traffic = new TrafficClock();

	constructor(opts: NodeProgrammerOptions) {
		this.#o = opts;
		this.#log = opts.log ?? createLogger('programmer');
	}

	async apply(tunnels: DesiredTunnel[]): Promise<{ errors: Map<string, string> }> {
		const errors = new Map<string, string>();
		const connToTunnel = new Map<string, string>();
		const mssClamp = new Map<string, number>();
		const wanted = new Set<string>();
		for (const t of tunnels) {
			const ns = t.tunnel.metadata.namespace ?? 'default';
			let rendered: RenderedTunnel;
			try {
				rendered = specToVici(ns, t.tunnel.metadata.name, t.tunnel.spec, secretsFor(t.credentials), { dataplane: this.#o.dataplane });
			} catch (e) {
				// A bad tunnel is reported on that tunnel and leaves the others alone.
				const message = isTunnelSpecError(e) ? e.message : `cannot render: ${(e as Error).message}`;
				errors.set(t.key, message);
				if (this.#renderErrors.get(t.key) !== message) this.#log.warn({ tunnel: t.key, reason: message }, 'tunnel not programmable');
				continue;
			}
			wanted.add(t.key);
			if (t.tunnel.spec.mssClamp) mssClamp.set(t.key, t.tunnel.spec.mssClamp);
			for (const conn of Object.keys(rendered.conns)) connToTunnel.set(conn, t.key);
			this.#o.reconciler.set(t.key, rendered);
		}
		for (const key of new Set(this.#connToTunnel.values())) if (!wanted.has(key)) this.#o.reconciler.delete(key);
		this.#connToTunnel = connToTunnel;
		this.#mssClamp = mssClamp;
		this.#renderErrors = errors;
		const report = await this.#o.reconciler.reconcile();
		for (const [key, err] of report.errors) errors.set(key, err.message);
		this.#o.onApplied?.();
		return { errors };
	}

	/** Whether any tunnel of the last apply has spec.mssClamp. */
	hasMssClamps(): boolean {
		return this.#mssClamp.size > 0;
	}

	/** The TCP MSS clamp (spec.mssClamp) of the tunnel an IKE config belongs to; undefined: none. */
	mssClampOf(ikeConfig: string): number | undefined {
		const key = this.#connToTunnel.get(ikeConfig);
		return key === undefined ? undefined : this.#mssClamp.get(key);
	}

	/** The tunnel a charon IKE SA belongs to, by its config name. */
	tunnelOf(ike: IkeSaInfo): string | undefined {
		return this.#connToTunnel.get(ike.name);
	}

	async observe(): Promise<Map<string, ObservedTunnel>> {
		const [sas, kernel, dataplane] = await Promise.all([
			listSas(this.#o.client, { noblock: true }),
			this.#o.kernelSpis(),
			this.#o.dataplane === 'dpdk' && this.#o.dataplaneSpis ? this.#o.dataplaneSpis() : Promise.resolve(undefined),
		]);
		const now = Date.now();
		const out = new Map<string, ObservedTunnel>();
		for (const key of new Set(this.#connToTunnel.values())) {
			out.set(key, { presentIn: { strongswan: true, kernel: false, dataplane: false }, childSas: [], counters: { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 } });
		}
		for (const [key, error] of this.#renderErrors) {
			out.set(key, { presentIn: { strongswan: false, kernel: false, dataplane: false }, childSas: [], counters: { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 }, error });
		}
		for (const ike of sas) {
			const key = this.tunnelOf(ike);
			if (!key) continue;
			const o = out.get(key)!;
			// A hub serves many spokes under one tunnel: the tunnel is up when any IKE SA is.
			if (!o.ike || ike.state === 'ESTABLISHED') {
				o.ike = { state: ike.state, version: Number(ike.version) || 2, localId: ike.localId, remoteId: ike.remoteId };
			}
			for (const c of ike.children) {
				const spis = [normSpi(c.spiIn), normSpi(c.spiOut)];
				const inKernel = spis.every(s => kernel.has(s));
				const inDataplane = this.#o.dataplane === 'kernel' ? inKernel : spis.every(s => dataplane?.has(s) ?? false);
				o.presentIn.kernel ||= inKernel;
				o.presentIn.dataplane ||= this.#o.dataplane === 'dpdk' && inDataplane;
				const child: ObservedChildSa = {
					name: c.name, state: c.state, spiIn: c.spiIn, spiOut: c.spiOut, protocol: c.protocol, encapsulated: c.encap,
					localTs: c.localTs, remoteTs: c.remoteTs, packetsIn: c.packetsIn, packetsOut: c.packetsOut,
					bytesIn: c.bytesIn, bytesOut: c.bytesOut, installedInDataplane: inDataplane,
				};
				o.childSas.push(child);
				// In dpdk mode the kernel's counters are the dataplane's (written back every second).
				o.counters.packetsIn += c.packetsIn;
				o.counters.packetsOut += c.packetsOut;
				o.counters.bytesIn += c.bytesIn;
				o.counters.bytesOut += c.bytesOut;
				// charon reports seconds since the last packet each way (the kernel's policy use
				// times: empty in dpdk mode), and counters that moved since the last look say it too.
				const moved = this.#traffic.seen(`${c.spiIn}/${c.spiOut}`, c.packetsIn, c.packetsOut, new Date(now));
				const later = (a: Date | undefined, b: Date | undefined) => (a && b ? (a > b ? a : b) : (a ?? b));
				const lastIn = later(secondsAgo(c.raw['use-in'], now), moved.inAt);
				const lastOut = later(secondsAgo(c.raw['use-out'], now), moved.outAt);
				if (lastIn && (!o.counters.lastInAt || lastIn > o.counters.lastInAt)) o.counters.lastInAt = lastIn;
				if (lastOut && (!o.counters.lastOutAt || lastOut > o.counters.lastOutAt)) o.counters.lastOutAt = lastOut;
			}
		}
		this.#traffic.sweep();
		return out;
	}
}

export { normSpi };
