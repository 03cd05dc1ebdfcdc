// The agent's dpdk dataplane: the library started in this process (EAL on its own thread),
// its ports, static routes and neighbours from a file in the manual-keying shape, and the
// kernel's XFRM mirrored into it with counters written back. SAs and policies never come
// from the file: the kernel (charon) is the SAD/SPD of record.
import { readFileSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import { KoffiDataplane } from '../dataplane/binding.js';
import type { DpConfig, DpPolicy } from '../dataplane/types.js';
import type { CaptureSource } from './capture-methods.js';
import type { SaRow, StatsView } from './control-api.js';
import { normSpi } from './node-programmer.js';
import { dpKey } from './xfrm-desired.js';
import { startXfrmAgent, type XfrmAgent } from './xfrm-agent.js';
import { type ExceptionPath, startExceptionPath } from './exception-path.js';

export class DpdkConfigError extends Error {
	override readonly name = 'DpdkConfigError';
}

export const isDpdkConfigError = (e: unknown): e is DpdkConfigError => e instanceof DpdkConfigError;

/** {file text} => ports, routes, neighbours; anything else (sas, policies, unknown keys) refused by name. */
export function parsePortsConfig(text: string): Required<Pick<DpConfig, 'ports' | 'routes' | 'neighbors'>> {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		throw new DpdkConfigError(`not JSON: ${(e as Error).message}`);
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DpdkConfigError('the ports config must be an object');
	for (const key of Object.keys(doc)) {
		if (key === 'sas' || key === 'policies') throw new DpdkConfigError(`${key}: under the agent SAs and policies come from the kernel (charon), not from the file`);
		if (!['ports', 'routes', 'neighbors'].includes(key)) throw new DpdkConfigError(`${key}: unknown field`);
	}
	const c = doc as DpConfig;
	if (!Array.isArray(c.ports) || c.ports.length === 0) throw new DpdkConfigError('ports: at least one port is required');
	return { ports: c.ports, routes: c.routes ?? [], neighbors: c.neighbors ?? [] };
}

export interface DpdkMode {
	dataplane: KoffiDataplane;
	xfrm: XfrmAgent;
	/** the ports' exception TAPs and the kernel's forwarding mirrored; absent when no port has one */
	exceptionPath?: ExceptionPath;
	/** SPIs installed in the dataplane, charon-style (for Established) */
	spis(): Set<string>;
	saRows(): SaRow[];
	/** the SPD the dataplane enforces */
	policies(): DpPolicy[];
	stats(): StatsView;
	drops(): Record<string, number>;
	/** what `esplane capture` and `trace` need besides the library calls */
	captureSource: CaptureSource;
	stop(): Promise<void>;
}

export interface DpdkModeOptions {
	portsFile: string;
	eal: string[];
	log: Logger;
	onSynced?: (lagSeconds: number) => void;
}

export async function startDpdkMode(o: DpdkModeOptions): Promise<DpdkMode> {
	const cfg = parsePortsConfig(readFileSync(o.portsFile, 'utf8'));
	const dataplane = KoffiDataplane.start({ eal: o.eal });
	for (const p of cfg.ports) dataplane.addPort(p);
	dataplane.replaceRoutes(cfg.routes, cfg.neighbors);
	dataplane.run();
	// ports with an exception TAP: the kernel's neighbours and routes lead, the file's are fallback
	const exceptionPath = cfg.ports.some(p => p.exception)
		? await startExceptionPath({
			dataplane, ports: cfg.ports, routes: cfg.routes, neighbors: cfg.neighbors, log: o.log,
			destinations: () => dataplane.listSas().filter(k => k.dir === 'out').map(k => k.dst),
		}).catch((err: unknown) => {
			dataplane.shutdown();
			throw err;
		})
		: undefined;
	// SAs to the dataplane's own wan addresses are inbound, even though the kernel does not have them.
	const wanAddresses = cfg.ports.flatMap(p => (p.addresses ?? []).map(a => a.replace(/\/.*$/, '')));
	const xfrm = await startXfrmAgent({ dataplane, log: o.log.child({ part: 'xfrm' }), localAddresses: wanAddresses, ...(o.onSynced ? { onSynced: o.onSynced } : {}) });
	o.log.info({ ports: cfg.ports.map(p => p.name), exception: exceptionPath?.interfaces, eal: o.eal }, 'dpdk dataplane running');

	const saRows = (): SaRow[] => {
		const rows: SaRow[] = dataplane.saCounters().map(c => {
			const desired = xfrm.mirror.lookup(dpKey(c.spi, c.dir, c.dst))?.sa;
			return {
				spi: `0x${normSpi(c.spi).padStart(8, '0')}`, dir: c.dir, src: desired?.src ?? '?', dst: c.dst,
				algorithm: desired?.aead ? `${desired.aead.name} ${desired.aead.icvBits}` : desired ? `${desired.enc?.name ?? '?'} + ${desired.auth?.name ?? '?'}` : '?',
				encap: desired?.encap ? `espinudp ${desired.encap.sport}:${desired.encap.dport}` : null,
				esn: desired?.esn ?? false,
				packets: Number(c.packets), bytes: Number(c.bytes), seq: Number(c.seq), lastUsed: c.lastUsed,
				drops: Object.fromEntries(Object.entries(c.drops).map(([k, v]) => [k, Number(v)])),
			};
		});
		for (const u of xfrm.mirror.unprogrammable()) {
			const m = /^sa (\S+) (in|out) (\S+)/.exec(u.what);
			if (m) rows.push({ spi: m[1]!, dir: m[2] as 'in' | 'out', src: '?', dst: m[3]!, algorithm: '?', encap: null, esn: false, packets: 0, bytes: 0, seq: 0, lastUsed: 0, unprogrammable: u.reason });
		}
		return rows;
	};
	const drops = () => Object.fromEntries(Object.entries(dataplane.dropCounters()).map(([k, v]) => [k, Number(v)]));
	return {
		dataplane,
		xfrm,
		...(exceptionPath ? { exceptionPath } : {}),
		spis: () => new Set(dataplane.listSas().map(k => normSpi(k.spi))),
		saRows,
		policies: () => xfrm.mirror.policies(),
		drops,
		captureSource: {
			portName: id => cfg.ports.find(p => p.port === id)?.name ?? String(id),
			dropNames: () => KoffiDataplane.dropNames(),
			policies: dir => dataplane.appliedPolicies(dir),
		},
		stats: () => ({
			ports: dataplane.portCounters().map(p => ({
				name: cfg.ports.find(x => x.port === p.port)?.name ?? String(p.port),
				rxPackets: Number(p.rxPackets), txPackets: Number(p.txPackets), rxBytes: Number(p.rxBytes), txBytes: Number(p.txBytes), drops: 0,
				toKernel: Number(p.excToKernel), fromKernel: Number(p.excFromKernel),
			})),
			drops: drops(),
		}),
		stop: async () => {
			exceptionPath?.stop();
			await xfrm.stop();
			dataplane.shutdown(); // the TAPs, their addresses and routes go with it
		},
	};
}
