// `esplane agent`: composes the node agent from its parts. Standalone (--config-dir) or,
// without it, under Kubernetes. Dataplane `kernel`: charon + the kernel's ESP; `dpdk`: the
// kernel's XFRM mirrored into the DPDK dataplane, counters written back.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { createLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { ViciClient } from '../vici/client.js';
import { CharonReconciler } from './strongswan/reconcile.js';
import { registerCaptureMethods } from './capture-methods.js';
import { ControlServer } from './control-socket.js';
import { Methods, type StatsView, type TunnelRow } from './control-api.js';
import { kernelPolicyRows, kernelSaMessages, kernelSaRows, kernelSpis } from './kernel-sas.js';
import { NodeProgrammer } from './node-programmer.js';
import { MssClampSource } from './mss-clamps.js';
import { IptablesMssClamp } from './kernel-mss-clamp.js';
import { StandaloneAgent } from './standalone/run.js';
import { netlinkKernel } from './xfrm-kernel.js';
import type { ObservedTunnel } from './k8s-agent.js';
import { boundedPciProbe, KoffiDataplane } from '../dataplane/binding.js';
import { startDpdkMode, type DpdkMode } from './dpdk-mode.js';
import { isDpdkConfigError, parsePortsConfig } from './ports-config.js';
import type { NodePortsWatch } from './node-ports-watch.js';
import { ealFromEnv } from '../dataplane/eal-env.js';
import type { HostMode } from './dataplane-host-attach.js';
import { DEFAULT_DP_SOCKET } from '../dataplane/host.js';
import { Observer } from './observer.js';
import { createAgentMetrics, createProcessMetrics, metricsListenFromEnv, startMetricsServer } from '../metrics/index.js';
import { VERSION } from '../version.js';

export interface AgentFlags {
	configDir?: string;
	vici: string;
	dataplane: 'dpdk' | 'kernel';
	controlSocket: string;
	resyncMs: number;
	/** /metrics, /healthz, /readyz; ESPLANE_METRICS_PORT overrides, 0 picks a free port */
	metricsPort: number;
	/** dpdk: ports, static routes and neighbours (the manual-keying JSON shape, without SAs/policies) */
	dpPorts?: string;
	/** dpdk: EAL arguments (--no-pci is always added) */
	eal: string[];
	/** dpdk: the dataplane host's socket; '' = the library inside the agent's own process */
	dpSocket: string;
	/** dpdk: spawn a host when none answers (stopped with the agent), or wait for an external one */
	dpHost: HostMode;
}

export function parseAgentFlags(args: string[]): AgentFlags {
	const flags: AgentFlags = {
		vici: process.env['ESPLANE_VICI'] ?? '/run/charon.vici',
		dataplane: (process.env['ESPLANE_DATAPLANE'] as AgentFlags['dataplane'] | undefined) ?? 'dpdk',
		controlSocket: process.env['ESPLANE_AGENT_SOCKET'] ?? '/run/esplane/agent.sock',
		resyncMs: 5000,
		metricsPort: 9478,
		// under Kubernetes: the chart's extra arguments and the device plugin's VFs (eal-env.ts)
		eal: ealFromEnv(process.env),
		...(process.env['ESPLANE_DP_PORTS'] ? { dpPorts: process.env['ESPLANE_DP_PORTS'] } : {}),
		dpSocket: process.env['ESPLANE_DP_SOCKET'] ?? DEFAULT_DP_SOCKET,
		dpHost: 'spawn',
	};
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		const value = (): string => {
			const v = args[++i];
			if (v === undefined) throw new Error(`${a} needs a value`);
			return v;
		};
		switch (a) {
			case '--config-dir': flags.configDir = value(); break;
			case '--vici': flags.vici = value().replace(/^unix:\/\//, ''); break;
			case '--dataplane': {
				const v = value();
				if (v !== 'dpdk' && v !== 'kernel') throw new Error(`--dataplane takes dpdk or kernel, not '${v}'`);
				flags.dataplane = v;
				break;
			}
			case '--control-socket': flags.controlSocket = value(); break;
			case '--resync-ms': flags.resyncMs = Number(value()); break;
			case '--metrics-port': flags.metricsPort = Number(value()); break;
			case '--dp-ports': flags.dpPorts = value(); break;
			case '--eal': flags.eal = value().split(/\s+/).filter(Boolean); break;
			case '--dp-socket': flags.dpSocket = value(); break;
			case '--dp-host': {
				const v = value();
				if (v !== 'spawn' && v !== 'external') throw new Error(`--dp-host takes spawn or external, not '${v}'`);
				flags.dpHost = v;
				break;
			}
			default: throw new Error(`unknown flag '${a}'`);
		}
	}
	return flags;
}

/** Addresses of this node (its network namespace): SAs to them are inbound. */
function localAddresses(): Set<string> {
	return new Set(Object.values(networkInterfaces()).flatMap(list => (list ?? []).map(i => i.address)));
}

/** The rows of `esplane tunnels`, from what the node observes. */
export function tunnelRows(observed: Map<string, ObservedTunnel | undefined>, errors: Map<string, string>): TunnelRow[] {
	return [...observed].map(([name, o]) => {
		const child = o?.childSas.find(c => c.state === 'INSTALLED') ?? o?.childSas[0];
		const row: TunnelRow = {
			name,
			ike: o?.ike?.state ?? (errors.has(name) || o?.error ? 'NOT PROGRAMMED' : 'CONNECTING'),
			children: o?.childSas.filter(c => c.state === 'INSTALLED').length ?? 0,
			spiIn: child ? `0x${child.spiIn}` : null,
			spiOut: child ? `0x${child.spiOut}` : null,
			algorithm: child ? String(child.protocol) : null,
			packetsIn: o?.counters.packetsIn ?? 0,
			packetsOut: o?.counters.packetsOut ?? 0,
			bytesIn: o?.counters.bytesIn ?? 0,
			bytesOut: o?.counters.bytesOut ?? 0,
		};
		const err = errors.get(name) ?? o?.error;
		if (err) row.lastError = err;
		return row;
	});
}

/** The kernel's XFRM error counters (/proc/net/xfrm_stat), by name. */
export function xfrmStat(text: string): Record<string, number> {
	const out: Record<string, number> = {};
	for (const line of text.split('\n')) {
		const m = /^(\w+)\s+(\d+)$/.exec(line.trim());
		if (m) out[m[1]!] = Number(m[2]);
	}
	return out;
}

export async function runAgent(args: string[], log: Logger = createLogger('agent')): Promise<number> {
	let flags: AgentFlags;
	try {
		flags = parseAgentFlags(args);
	} catch (e) {
		process.stderr.write(`esplane agent: ${(e as Error).message}\n`);
		return 2;
	}
	if (flags.dataplane === 'dpdk' && !flags.dpPorts) {
		process.stderr.write('esplane agent: --dataplane dpdk needs --dp-ports FILE or ESPLANE_DP_PORTS (ports, routes, neighbours; see README)\n');
		return 2;
	}
	// Never let EAL probe the machine's own NICs: ports are vdevs (--no-pci) or VFs named in
	// an allow-list (-a BDF, as the chart passes the device plugin's VFs).
	if (!boundedPciProbe(flags.eal)) flags.eal.unshift('--no-pci');
	let dpdk: DpdkMode | undefined;
	let metrics: ReturnType<typeof createAgentMetrics> | undefined;
	// Under Kubernetes the ports file is the DaemonSet's; the node's own addresses and routes
	// come from annotations on its Node, read before the dataplane starts and followed after.
	let nodePorts: NodePortsWatch | undefined;
	if (flags.dataplane === 'dpdk' && !flags.configDir) {
		try {
			const file = parsePortsConfig(readFileSync(flags.dpPorts!, 'utf8'));
			const { startNodePorts } = await import('./k8s-run.js');
			nodePorts = await startNodePorts(file, log);
		} catch (e) {
			process.stderr.write(`esplane agent: ${isDpdkConfigError(e) ? `${flags.dpPorts}: ` : ''}${(e as Error).message}\n`);
			return isDpdkConfigError(e) ? 1 : 2;
		}
	}
	if (flags.dataplane === 'dpdk') {
		try {
			dpdk = await startDpdkMode({
				portsFile: flags.dpPorts!, eal: flags.eal, log, onSynced: s => metrics?.observeXfrmSyncLag(s),
				...(nodePorts ? { ports: nodePorts.current } : {}),
				...(flags.dpSocket ? { hostSocket: flags.dpSocket, hostMode: flags.dpHost } : {}),
			});
		} catch (e) {
			process.stderr.write(`esplane agent: the dpdk dataplane did not start: ${(e as Error).message}\n`);
			return 1;
		}
	}
	if (nodePorts && dpdk) {
		const running = dpdk;
		nodePorts.start(next => running.applyPorts(next));
	}
	// After the dataplane: in dpdk mode the drop names come from its library (in the host).
	metrics = createAgentMetrics({
		dropNames: flags.dataplane === 'dpdk' ? KoffiDataplane.dropNames() : Object.keys(xfrmStat(readFileSync('/proc/net/xfrm_stat', 'utf8'))),
		snapshot: () => observer.snapshot(),
	});
	const kernel = netlinkKernel();
	const client = new ViciClient({ path: flags.vici, logger: log.child({ part: 'vici' }) });
	const reconciler = new CharonReconciler({ client, logger: log.child({ part: 'strongswan' }) });
	// Each tunnel's spec.mssClamp reaches its SAs through the reqids charon gave its CHILD_SAs
	// (mss-clamps.ts): dpdk clamps in the dataplane, kernel mode with iptables TCPMSS rules.
	let clamps: MssClampSource | undefined;
	const programmer = new NodeProgrammer({
		client, reconciler, dataplane: flags.dataplane, log,
		kernelSpis: () => kernelSpis(kernel),
		...(dpdk ? { dataplaneSpis: () => dpdk.spis() } : {}),
		onApplied: () => clamps?.refresh(),
	});
	const stops: Array<() => unknown> = [];
	if (nodePorts) stops.push(() => nodePorts.stop());
	{
		const mssLog = log.child({ part: 'mss' });
		const iptables = dpdk ? undefined : new IptablesMssClamp({ log: mssLog });
		clamps = new MssClampSource({
			client, clampOf: c => programmer.mssClampOf(c), anyClamp: () => programmer.hasMssClamps(), log: mssLog,
			apply: m => (dpdk ? dpdk.xfrm.mirror.setMssClamps(m) : void iptables?.apply(m)),
		});
		clamps.start();
		stops.push(async () => {
			clamps?.stop();
			await iptables?.remove();
		});
	}

	// The source of tunnels: a config directory, or the cluster (tunnels assigned to this node).
	let observeTunnels: () => Promise<Map<string, ObservedTunnel | undefined>>;
	let configErrors: () => Map<string, string> = () => new Map();
	if (flags.configDir) {
		const standalone = new StandaloneAgent({ dir: flags.configDir, programmer, log, resyncMs: flags.resyncMs });
		observeTunnels = () => standalone.observe();
		configErrors = () => standalone.errors;
		standalone.start();
		stops.push(() => standalone.stop());
	} else {
		try {
			// Loaded only here: client-node is ~2,000 modules (half a minute in a UML guest), and
			// the standalone agent has no use for it.
			const { startK8sAgent } = await import('./k8s-run.js');
			const k8s = await startK8sAgent(programmer, log);
			stops.push(() => k8s.stop());
		} catch (e) {
			process.stderr.write(`esplane agent: ${(e as Error).message}\n`);
			kernel.close();
			nodePorts?.stop();
			await dpdk?.stop();
			return 2;
		}
		observeTunnels = () => programmer.observe();
	}

	// What `sa list`, `stats` and the metrics show: the dataplane's counters in dpdk mode,
	// the kernel's own in kernel mode.
	const saRows = dpdk ? async () => dpdk.saRows() : async () => {
		const addrs = localAddresses();
		return kernelSaRows(await kernelSaMessages(kernel), { isLocal: a => addrs.has(a) });
	};
	const drops = dpdk ? () => dpdk.drops() : () => xfrmStat(readFileSync('/proc/net/xfrm_stat', 'utf8'));
	if (dpdk) stops.push(() => dpdk.stop());
	const observer = new Observer({ tunnels: observeTunnels, sas: saRows, drops, log, ...(dpdk ? { lcores: () => dpdk.lcores() } : {}) });
	observer.start();
	stops.push(() => observer.stop());

	const control = new ControlServer()
		.handle(Methods.tunnels, async () => tunnelRows(await observeTunnels(), configErrors()))
		.handle(Methods.saList, saRows)
		.handle(Methods.spList, async () => (dpdk ? dpdk.policies() : kernelPolicyRows(kernel)))
		.handle(Methods.stats, (): StatsView => (dpdk
			? { ...dpdk.stats(), lcores: observer.snapshot().lcores.map(l => ({ id: l.lcore, busyRatio: l.busyRatio })) }
			: { ports: [], drops: drops() }));
	registerCaptureMethods(control, dpdk?.captureSource);
	await control.listen(flags.controlSocket);
	stops.push(() => control.close());

	// /metrics, /healthz, /readyz: ready once charon answers over VICI.
	const server = await startMetricsServer({
		registries: [metrics.registry, createProcessMetrics({ role: 'agent', version: VERSION })],
		ready: () => client.connected,
		log,
		...metricsListenFromEnv(flags.metricsPort),
	});
	stops.push(() => server.close());

	client.start().catch(e => log.warn({ err: e }, 'charon not reachable yet; retrying'));
	log.info({ configDir: flags.configDir ?? null, dataplane: flags.dataplane, vici: flags.vici, socket: flags.controlSocket, metricsPort: server.port }, 'agent started');

	await new Promise<void>(resolve => {
		process.once('SIGTERM', () => resolve());
		process.once('SIGINT', () => resolve());
	});
	log.info({}, 'agent stopping');
	for (const stop of stops.reverse()) await stop();
	reconciler.stop();
	client.close();
	kernel.close();
	return 0;
}
