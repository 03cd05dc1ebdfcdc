// Starting the agent's Kubernetes side inside the DaemonSet pod, from the environment the
// Helm chart gives it: NODE_NAME (downward API, required), POD_NAMESPACE (where the operator's
// Leases live; default esplane-system), ESPLANE_WATCH_NAMESPACE (optional: one namespace of
// tunnels instead of all). Kubernetes access: in-cluster service account, else $KUBECONFIG.
// `esplane agent` calls this with its TunnelProgrammer (strongSwan + XFRM + dataplane).
// In dpdk mode it first reads its Node for the ports' per-node addresses and routes
// (node-ports.ts), watches that Node, and reads it again every ESPLANE_NODE_PORTS_INTERVAL_MS
// (60 s) in case the watch is down.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log/index.js';
import { K8sAgent } from './k8s-agent.js';
import type { TunnelProgrammer } from './k8s-agent.js';
import { kubeApi } from '../k8s/client.js';
import { NodePortsWatch } from './node-ports-watch.js';
import type { PortsConfig } from './ports-config.js';

export class AgentEnvError extends Error {
	override readonly name = 'AgentEnvError';
}

export function isAgentEnvError(err: unknown): err is AgentEnvError {
	return err instanceof AgentEnvError;
}

export interface K8sAgentEnv {
	node: string;
	leaseNamespace: string;
	namespace?: string;
}

export function k8sAgentEnv(env: NodeJS.ProcessEnv = process.env): K8sAgentEnv {
	const node = env['NODE_NAME'];
	if (!node) throw new AgentEnvError('NODE_NAME is not set (the chart sets it from spec.nodeName)');
	const namespace = env['ESPLANE_WATCH_NAMESPACE'];
	return { node, leaseNamespace: env['POD_NAMESPACE'] || 'esplane-system', ...(namespace ? { namespace } : {}) };
}

export async function startK8sAgent(programmer: TunnelProgrammer, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<K8sAgent> {
	const settings = k8sAgentEnv(env);
	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromDefault();
	const agent = new K8sAgent({ kubeConfig, programmer, log, ...settings });
	await agent.start();
	log.info({ node: settings.node, leaseNamespace: settings.leaseNamespace, namespace: settings.namespace ?? '(all)' }, 'agent watching tunnels assigned to its node');
	return agent;
}

/** {ports file} => the Node's ports annotations read once (merged into `current`); `start`
 * keeps reading them */
export async function startNodePorts(file: PortsConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<NodePortsWatch> {
	const { node } = k8sAgentEnv(env);
	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromDefault();
	const interval = Number(env['ESPLANE_NODE_PORTS_INTERVAL_MS'] ?? 60_000);
	if (!Number.isInteger(interval) || interval < 100) throw new AgentEnvError(`ESPLANE_NODE_PORTS_INTERVAL_MS: ${env['ESPLANE_NODE_PORTS_INTERVAL_MS']}, must be an integer >= 100`);
	const watch = new NodePortsWatch({ api: kubeApi(kubeConfig), node, file, log: log.child({ part: 'node-ports' }), intervalMs: interval, kubeConfig });
	await watch.first();
	return watch;
}
