// `esplane agent`: composes the node agent from its parts. Standalone (--config-dir) or,
// without it, under Kubernetes. Dataplane `kernel`: charon + the kernel's ESP; `dpdk`: the
// kernel's XFRM mirrored into the DPDK dataplane, counters written back.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { createLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { ViciClient } from '../vici/client.js';
import { CharonReconciler } from './strongswan/reconcile.js';
import { ControlServer } from './control-socket.js';
import { Methods, type StatsView, type TunnelRow } from './control-api.js';
import { kernelSaMessages, kernelSaRows, kernelSpis } from './kernel-sas.js';
import { NodeProgrammer } from './node-programmer.js';
import { StandaloneAgent } from './standalone/run.js';
import { netlinkKernel } from './xfrm-kernel.js';
import type { ObservedTunnel } from './k8s-agent.js';

export interface AgentFlags {
	configDir?: string;
	vici: string;
	dataplane: 'dpdk' | 'kernel';
	controlSocket: string;
	resyncMs: number;
}

export function parseAgentFlags(args: string[]): AgentFlags {
	const flags: AgentFlags = {
		vici: process.env['ESPLANE_VICI'] ?? '/run/charon.vici',
		dataplane: (process.env['ESPLANE_DATAPLANE'] as AgentFlags['dataplane'] | undefined) ?? 'dpdk',
		controlSocket: process.env['ESPLANE_AGENT_SOCKET'] ?? '/run/esplane/agent.sock',
		resyncMs: 5000,
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
	if (!flags.configDir) {
		process.stderr.write('esplane agent: Kubernetes mode is started by the Helm chart; for a host without Kubernetes use --config-dir DIR\n');
		return 2;
	}
	if (flags.dataplane === 'dpdk') {
		process.stderr.write('esplane agent: --dataplane dpdk is not wired into the agent yet; use --dataplane kernel\n');
		return 2;
	}
	const kernel = netlinkKernel();
	const client = new ViciClient({ path: flags.vici, logger: log.child({ part: 'vici' }) });
	const reconciler = new CharonReconciler({ client, logger: log.child({ part: 'strongswan' }) });
	const programmer = new NodeProgrammer({
		client, reconciler, dataplane: flags.dataplane, log,
		kernelSpis: () => kernelSpis(kernel),
	});
	const agent = new StandaloneAgent({ dir: flags.configDir, programmer, log, resyncMs: flags.resyncMs });
	const control = new ControlServer()
		.handle(Methods.tunnels, async () => tunnelRows(await agent.observe(), agent.errors))
		.handle(Methods.saList, async () => {
			const local = localAddresses();
			return kernelSaRows(await kernelSaMessages(kernel), { isLocal: a => local.has(a) });
		})
		.handle(Methods.spList, () => [])
		.handle(Methods.stats, (): StatsView => ({ ports: [], drops: xfrmStat(readFileSync('/proc/net/xfrm_stat', 'utf8')) }));
	await control.listen(flags.controlSocket);
	client.start().catch(e => log.warn({ err: e }, 'charon not reachable yet; retrying'));
	agent.start();
	log.info({ configDir: flags.configDir, dataplane: flags.dataplane, vici: flags.vici, socket: flags.controlSocket }, 'agent started');

	await new Promise<void>(resolve => {
		const stop = () => resolve();
		process.once('SIGTERM', stop);
		process.once('SIGINT', stop);
	});
	log.info({}, 'agent stopping');
	agent.stop();
	reconciler.stop();
	client.close();
	await control.close();
	kernel.close();
	return 0;
}
