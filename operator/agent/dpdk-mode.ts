// The agent's dpdk dataplane: the library in a dataplane host process (or, without a socket,
// in this process), its ports, static routes and neighbours from a file in the manual-keying
// shape, and the kernel's XFRM mirrored into it with counters written back. SAs and policies
// never come from the file: the kernel (charon) is the SAD/SPD of record.
//
// With a host, an agent that starts while the host already runs (the last agent was killed)
// attaches: EAL, ports and TAPs are left as they are, SAs the host holds exactly as the
// kernel wants them are adopted without a put (sequence numbers and counters run on), the
// forwarding tables are re-mirrored with the same content. Traffic never stops.
import { readFileSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import { ABI_VERSION, useNativeApi } from '../dataplane/abi.js';
import { KoffiDataplane } from '../dataplane/binding.js';
import type { HostClient } from '../dataplane/remote.js';
import { connectOrSpawnHost, processGone, type HostMode } from './dataplane-host-attach.js';
import type { DpPolicy } from '../dataplane/types.js';
import type { CaptureSource } from './capture-methods.js';
import type { SaRow, StatsView } from './control-api.js';
import { normSpi } from './node-programmer.js';
import { dpKey } from './xfrm-desired.js';
import { startXfrmAgent, type XfrmAgent } from './xfrm-agent.js';
import { type ExceptionPath, startExceptionPath } from './exception-path.js';
import { lcoreBusyTracker } from './lcore-busy.js';
import { DpdkConfigError, isDpdkConfigError, parsePortsConfig, type PortsConfig } from './ports-config.js';
import type { LcoreSample } from '../metrics/index.js';


export interface DpdkMode {
	dataplane: KoffiDataplane;
	xfrm: XfrmAgent;
	/** the ports' exception TAPs and the kernel's forwarding mirrored; absent when no port has one */
	exceptionPath?: ExceptionPath;
	/** SPIs installed in the dataplane, charon-style (for Established) */
	spis(): Set<string>;
	saRows(): SaRow[];
	/** the dataplane host, when the library runs in one; `attached`: it was already set up */
	host?: { client: HostClient; attached: boolean; spawned: boolean; pid: number; ports: number[] };
	/** the SPD the dataplane enforces */
	policies(): DpPolicy[];
	stats(): StatsView;
	/** each worker lcore's busy ratio since the previous call (the observer calls it) */
	lcores(): LcoreSample[];
	drops(): Record<string, number>;
	/** what `esplane capture` and `trace` need besides the library calls */
	captureSource: CaptureSource;
	/** {ports config with other addresses or routes (a node's annotations changed)} => the
	 * dataplane's port addresses, the exception TAPs' addresses and routes and the routes of
	 * ports without a TAP follow; which port is which VF never changes while running */
	applyPorts(next: PortsConfig): Promise<void>;
	stop(): Promise<void>;
}

export interface DpdkModeOptions {
	portsFile: string;
	/** the ports file as this node runs it (merged with its Node's annotations); default: the file */
	ports?: PortsConfig;
	eal: string[];
	/** the dataplane host's socket; absent: the library is loaded into this process */
	hostSocket?: string;
	/** spawn: start a host when none answers (and stop it with the agent); external: wait for one */
	hostMode?: HostMode;
	log: Logger;
	onSynced?: (lagSeconds: number) => void;
}

export async function startDpdkMode(o: DpdkModeOptions): Promise<DpdkMode> {
	let cfg = o.ports ?? parsePortsConfig(readFileSync(o.portsFile, 'utf8'));
	let opened = o.hostSocket ? await openHost(o.hostSocket, o.hostMode ?? 'spawn', o.log) : undefined;
	let made: KoffiDataplane | undefined;
	try {
		if (opened?.attached && opened.ports.length > 0) {
			const tried = opened;
			try {
				made = attachDataplane(tried, cfg);
			} catch (e) {
				// A host left half set up by an agent killed while starting it: ours to replace.
				if (!tried.spawned || !isDpdkConfigError(e)) throw e;
				o.log.warn({ err: e.message, pid: tried.pid }, 'dataplane host not usable as it is, starting a fresh one');
				await closeHost(tried, o.log);
				opened = await openHost(o.hostSocket!, 'spawn', o.log);
			}
		}
		made ??= freshDataplane(o.eal, cfg, opened);
	} catch (e) {
		await closeHost(opened, o.log);
		throw e;
	}
	const host = opened;
	const dataplane = made;
	const shutdown = async () => {
		if (host) await closeHost(host, o.log);
		else dataplane.shutdown(); // the TAPs, their addresses and routes go with it
	};
	// ports with an exception TAP: the kernel's neighbours and routes lead, the file's are fallback
	const exceptionPath = cfg.ports.some(p => p.exception)
		? await startExceptionPath({
			dataplane, ports: cfg.ports, routes: cfg.routes, neighbors: cfg.neighbors, log: o.log,
			destinations: () => dataplane.listSas().filter(k => k.dir === 'out').map(k => k.dst),
		}).catch(async (err: unknown) => {
			await shutdown();
			throw err;
		})
		: undefined;
	// SAs to the dataplane's own wan addresses are inbound, even though the kernel does not have
	// them. The check re-reads this array: applyPorts changes it in place.
	const ownAddresses = (c: PortsConfig) => c.ports.flatMap(p => (p.addresses ?? []).map(a => a.replace(/\/.*$/, '')));
	const wanAddresses = ownAddresses(cfg);
	const xfrm = await startXfrmAgent({ dataplane, log: o.log.child({ part: 'xfrm' }), localAddresses: wanAddresses, ...(o.onSynced ? { onSynced: o.onSynced } : {}) });
	o.log.info({ ports: cfg.ports.map(p => p.name), exception: exceptionPath?.interfaces, eal: o.eal, host: host ? { socket: host.client.socket, pid: host.pid, attached: host.attached } : null, adopted: xfrm.mirror.stats.saAdopted }, 'dpdk dataplane running');
	// A host that dies takes the dataplane with it: say so once, loudly; every call fails from then on.
	const health = host ? setInterval(() => {
		if (host.client.gone) return;
		try { host.client.hello(); } catch { /* reported below */ }
		if (host.client.gone) o.log.error({ socket: host.client.socket, pid: host.pid, reason: host.client.gone }, 'the dataplane host is gone: no traffic is forwarded; restart the agent to start a fresh one');
	}, 1000) : undefined;
	health?.unref();

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
				...(desired?.mssClamp ? { mssClamp: desired.mssClamp } : {}),
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
		...(host ? { host } : {}),
		// A dataplane that cannot be asked holds nothing: the tunnels' dataplane condition says so.
		spis: () => { try { return new Set(dataplane.listSas().map(k => normSpi(k.spi))); } catch { return new Set<string>(); } },
		saRows,
		policies: () => xfrm.mirror.policies(),
		drops,
		lcores: lcoreBusyTracker(() => dataplane.lcoreCounters()),
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
		applyPorts: async next => {
			const before = cfg;
			for (const p of next.ports) {
				const had = before.ports.find(q => q.name === p.name);
				if (!had || had.port !== p.port || had.role !== p.role || had.exception !== p.exception) {
					throw new DpdkConfigError(`port ${p.name}: only addresses and routes change while running`);
				}
				if (JSON.stringify(had.addresses ?? []) !== JSON.stringify(p.addresses ?? [])) dataplane.setPortAddresses(p.name, p.addresses ?? []);
			}
			wanAddresses.splice(0, wanAddresses.length, ...ownAddresses(next));
			// routes of ports without a TAP are the dataplane's alone; the others come from the kernel
			const tapPorts = new Set(next.ports.filter(p => p.exception).map(p => p.name));
			const routes = next.routes.filter(r => !tapPorts.has(r.port));
			if (JSON.stringify(routes) !== JSON.stringify(before.routes.filter(r => !tapPorts.has(r.port)))) {
				dataplane.replaceRoutes([...dataplane.listRoutes().filter(r => tapPorts.has(r.port)), ...routes]);
			}
			await exceptionPath?.reconfigure(before, next);
			// only now: after a failure the next call goes from the same base again
			cfg = next;
		},
		stop: async () => {
			if (health) clearInterval(health);
			exceptionPath?.stop();
			await xfrm.stop();
			await shutdown();
		},
	};
}

type OpenHost = NonNullable<DpdkMode['host']>;

/** {socket, mode} => connected (or spawned and connected); the binding now calls through it */
async function openHost(socket: string, mode: HostMode, log: Logger): Promise<OpenHost> {
	const client = await connectOrSpawnHost(socket, mode, log);
	const hello = client.hello();
	if (hello.abi !== ABI_VERSION) {
		client.close();
		throw new Error(`the dataplane host on ${socket} (pid ${hello.pid}) speaks ABI ${hello.abi}, this agent ${ABI_VERSION}: stop it`);
	}
	// Before anything is changed: a host another live agent drives is left to it (EBUSY names
	// that agent's pid) and this agent stops here, having only read the host's hello.
	try {
		client.drive();
	} catch (e) {
		client.close();
		throw e;
	}
	useNativeApi(client.native);
	return { client, attached: hello.initialised, spawned: hello.spawned, pid: hello.pid, ports: hello.ports };
}

/** {host} => a host this agent spawned (or adopted from a killed agent that did) is shut down
 * and waited for; one started by someone else keeps running */
async function closeHost(host: OpenHost | undefined, log: Logger): Promise<void> {
	if (!host) return;
	useNativeApi(undefined);
	if (host.spawned && !host.client.gone) {
		try {
			host.client.shutdownHost();
		} catch (e) {
			log.warn({ err: (e as Error).message }, 'dataplane host did not take the shutdown');
		}
		if (!(await processGone(host.pid))) log.warn({ pid: host.pid }, 'dataplane host still running after shutdown');
	}
	host.client.close();
}

/** {EAL args, ports file, host} => EAL started (unless a host started it from its own
 * environment, as under Kubernetes), the file's ports added, routes set, workers running */
function freshDataplane(eal: string[], cfg: PortsConfig, host: OpenHost | undefined): KoffiDataplane {
	const dataplane = host?.attached ? KoffiDataplane.attach(host.client) : KoffiDataplane.start({ eal }, host?.client);
	for (const p of cfg.ports) dataplane.addPort(p);
	dataplane.replaceRoutes(cfg.routes, cfg.neighbors);
	dataplane.run();
	return dataplane;
}

/** {a host already set up} => driven as it is; its ports must be the file's */
function attachDataplane(host: OpenHost, cfg: PortsConfig): KoffiDataplane {
	const dataplane = KoffiDataplane.attach(host.client);
	const running = host.client.hello();
	for (const p of cfg.ports) {
		if (dataplane.portId(p.name) !== p.port || !running.ports.includes(p.port)) {
			throw new DpdkConfigError(`the dataplane host on ${host.client.socket} (pid ${host.pid}) does not run port ${p.name} (${p.port}) of the ports file: stop it to start afresh`);
		}
		if (p.mtu !== undefined) dataplane.setPortMtu(p.name, p.mtu);
		// the node's addresses may have changed while no agent ran (its annotations)
		dataplane.setPortAddresses(p.name, p.addresses ?? []);
	}
	// Ports with an exception TAP get their forwarding from the kernel (the mirror re-pushes the
	// same tables); the others only have the file's, pushed again as they are.
	if (!cfg.ports.some(p => p.exception)) dataplane.replaceRoutes(cfg.routes, cfg.neighbors);
	if (!running.running) dataplane.run();
	return dataplane;
}
