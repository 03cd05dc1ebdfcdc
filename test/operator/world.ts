// A small cluster for operator tests: the API server (double, or a real cluster with
// KUBECONFIG), nodes, Secrets, one operator and one agent per node with a FakeProgrammer,
// and a `waitFor` that polls the API until a condition holds or fails with what it saw.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CoreV1Event } from '@kubernetes/client-node';
import { K8sAgent } from '../../operator/agent/k8s-agent.js';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { Operator } from '../../operator/controller/operator.js';
import { kubeApi } from '../../operator/k8s/client.js';
import type { KubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import type { TestCluster } from '../helpers/apiserver/cluster.js';
import { FakeProgrammer } from './fake-programmer.js';
import { CustomObjectsApi } from '@kubernetes/client-node';

export interface WorldOptions {
	nodes: { name: string; labels?: Record<string, string> }[];
	agentOptions?: { counterPatchIntervalMs?: number; minPatchIntervalMs?: number; syncIntervalMs?: number };
	/** Wrap an agent's API client (e.g. to cut it off). */
	agentApi?: (node: string, api: KubeApi) => KubeApi;
}

export interface World {
	cluster: TestCluster;
	api: KubeApi;
	namespace: string;
	operator: Operator;
	agents: Map<string, { agent: K8sAgent; programmer: FakeProgrammer }>;
	setNodeReady(name: string, ready: boolean): Promise<void>;
	createSecret(name: string, data: Record<string, string>): Promise<void>;
	replaceSecret(name: string, data: Record<string, string>): Promise<void>;
	createTunnel(t: IPsecTunnel): Promise<IPsecTunnel>;
	deleteTunnel(name: string): Promise<void>;
	updateSpec(name: string, spec: IPsecTunnel['spec']): Promise<void>;
	events(name: string): Promise<CoreV1Event[]>;
	waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
	waitForTunnel(name: string, what: string, ok: (t: IPsecTunnel) => boolean, timeoutMs?: number): Promise<IPsecTunnel>;
	stop(): Promise<void>;
}

const quiet = () => createLogger('test', { level: process.env.ESPLANE_TEST_LOG === '1' ? 'debug' : 'silent' });

/** Marks the Nodes a world creates, so a leftover one (a crashed run) may be replaced and a real one never is. */
const TEST_NODE_LABEL = 'esplane.io/test-node';

/**
 * On a real cluster Nodes are cluster-scoped, shared by the test files ava runs side by side
 * (each in its own namespace otherwise): one world at a time holds them, by a lock directory
 * per KUBECONFIG on this machine. A holder that died without stop() is taken over.
 */
async function lockClusterNodes(): Promise<() => void> {
	const dir = join(tmpdir(), `esplane-test-nodes-${createHash('sha256').update(process.env.KUBECONFIG ?? '').digest('hex').slice(0, 12)}`);
	for (;;) {
		try {
			mkdirSync(dir);
			writeFileSync(join(dir, 'pid'), String(process.pid));
			return () => rmSync(dir, { recursive: true, force: true });
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
		}
		let holder = 0;
		try {
			holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
		} catch {
			// just created, pid not written yet
		}
		if (holder > 0) {
			try {
				process.kill(holder, 0);
			} catch {
				rmSync(dir, { recursive: true, force: true });
				continue;
			}
		}
		await new Promise((r) => setTimeout(r, 200));
	}
}

export async function startWorld(options: WorldOptions): Promise<World> {
	const cluster = await startTestCluster({ bookmarkIntervalMs: 500 });
	const unlockNodes = cluster.double ? () => undefined : await lockClusterNodes();
	const kc = cluster.kubeConfig;
	const ns = cluster.namespace;
	const api = kubeApi(kc);
	const core = kc.makeApiClient(CoreV1Api);
	const custom = kc.makeApiClient(CustomObjectsApi);
	const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
	const readyCondition = (ready: boolean) => ({ status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', message: 'test' }] } });
	for (const n of options.nodes) {
		const body = { metadata: { name: n.name, labels: { ...n.labels, [TEST_NODE_LABEL]: 'true' } } };
		try {
			await core.createNode({ body });
		} catch (err) {
			const existing = (err as { code?: number }).code === 409 ? await core.readNode({ name: n.name }) : undefined;
			if (existing?.metadata?.labels?.[TEST_NODE_LABEL] !== 'true') throw new Error(`Node ${n.name} exists and is not a test node: the operator tests need that name (${String(err)})`);
			await core.deleteNode({ name: n.name }); // a leftover of a crashed run
			await core.createNode({ body });
		}
		await core.patchNodeStatus({ name: n.name, body: readyCondition(true) }, merge);
	}
	const operator = new Operator({ kubeConfig: kc, namespace: ns, leaseNamespace: ns, identity: 'operator-0', leaseDurationSeconds: 2, resyncMs: 5000, log: quiet() });
	operator.start();
	const agents = new Map<string, { agent: K8sAgent; programmer: FakeProgrammer }>();
	for (const n of options.nodes) {
		const programmer = new FakeProgrammer();
		const agent = new K8sAgent({
			kubeConfig: kc,
			node: n.name,
			programmer,
			leaseNamespace: ns,
			namespace: ns,
			...(options.agentApi ? { api: options.agentApi(n.name, kubeApi(kc)) } : {}),
			leaseDurationSeconds: 2,
			heartbeatMs: 300,
			syncIntervalMs: options.agentOptions?.syncIntervalMs ?? 200,
			minPatchIntervalMs: options.agentOptions?.minPatchIntervalMs ?? 0,
			counterPatchIntervalMs: options.agentOptions?.counterPatchIntervalMs ?? 1000,
			readyWindowMs: 5000,
			log: quiet(),
		});
		await agent.start();
		agents.set(n.name, { agent, programmer });
	}
	const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => {
		const deadline = Date.now() + timeoutMs;
		let last: unknown;
		for (;;) {
			try {
				const v = await probe();
				if (v !== undefined && v !== false) return v;
				last = v;
			} catch (err) {
				last = err;
			}
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
			await new Promise((r) => setTimeout(r, 50));
		}
	};
	let lastSeen: IPsecTunnel | undefined;
	return {
		cluster,
		api,
		namespace: ns,
		operator,
		agents,
		setNodeReady: async (name, ready) => {
			await core.patchNodeStatus({ name, body: readyCondition(ready) }, merge);
		},
		createSecret: async (name, data) => {
			await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });
		},
		replaceSecret: async (name, data) => {
			await core.replaceNamespacedSecret({ namespace: ns, name, body: { metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } });
		},
		createTunnel: (t) => custom.createNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: ns, plural: 'ipsectunnels', body: { ...t, metadata: { ...t.metadata, namespace: ns } } }),
		deleteTunnel: async (name) => {
			await custom.deleteNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: ns, plural: 'ipsectunnels', name });
		},
		updateSpec: async (name, spec) => {
			await custom.patchNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: ns, plural: 'ipsectunnels', name, body: { spec } }, merge);
		},
		events: async (name) => (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject.name === name),
		waitFor,
		waitForTunnel: (name, what, ok, timeoutMs) =>
			waitFor(
				`${name}: ${what}`,
				async () => {
					lastSeen = await api.getTunnel(ns, name);
					return ok(lastSeen) ? lastSeen : JSON.parse(JSON.stringify({ metadata: lastSeen.metadata, status: lastSeen.status })) && undefined;
				},
				timeoutMs,
			).catch((err: Error) => {
				throw new Error(`${err.message}\nlast object: ${JSON.stringify({ metadata: lastSeen?.metadata, status: lastSeen?.status }, null, 1)}`);
			}),
		stop: async () => {
			for (const { agent } of agents.values()) await agent.stop();
			await operator.stop();
			// Nodes are cluster-scoped: on a real cluster they would outlive the test namespace.
			for (const n of options.nodes) await core.deleteNode({ name: n.name }).catch(() => undefined);
			unlockNodes();
			await cluster.stop();
		},
	};
}

export const cond = (t: IPsecTunnel, type: string) => t.status?.conditions?.find((c) => c.type === type);
