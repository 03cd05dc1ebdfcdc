// `esplane operator`: the cluster controller. Leader-elected on a Lease; while leading it runs
// four informers (IPsecTunnels, Secrets, Nodes, the agents' heartbeat Leases) and one work
// queue of tunnel keys reconciled by tunnel-reconciler.ts. Events only say "look at this key
// again": Secret changes map to the tunnels that reference them, a node or agent that comes
// or goes re-queues every tunnel, and each tunnel asks to be looked at again when its node's
// heartbeat would run out, so failover needs no event at all.
import type { KubeConfig, V1Lease, V1Node, V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel } from '../api/ipsectunnel.js';
import { GROUP, PLURAL, VERSION } from '../api/ipsectunnel.js';
import { kubeApi } from '../k8s/client.js';
import type { KubeApi } from '../k8s/client.js';
import { eventRecorder } from '../k8s/events.js';
import { Informer, keyOf } from '../k8s/informer.js';
import { LeaderElector } from '../k8s/leader.js';
import { leaseExpired, toDate } from '../k8s/lease.js';
import { createLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import type { OperatorMetrics } from '../metrics/index.js';
import type { AgentHeartbeat, NodeView } from './gateway.js';
import { WorkQueue } from './queue.js';
import { reconcileTunnel } from './tunnel-reconciler.js';

export const AGENT_LEASE_PREFIX = 'esplane-agent-';
export const AGENT_COMPONENT_LABEL = 'esplane.io/component';

export interface OperatorOptions {
	kubeConfig: KubeConfig;
	/** Watch tunnels and Secrets in this namespace only; undefined = all namespaces. */
	namespace?: string;
	/** Where the leader Lease and the agents' heartbeat Leases live. */
	leaseNamespace: string;
	identity: string;
	concurrency?: number;
	/** Safety-net full resync. Default 60 s. */
	resyncMs?: number;
	leaseDurationSeconds?: number;
	log?: Logger;
	api?: KubeApi;
	/** Reconcile counts/durations and the leader gauge (esplane_reconcile_*, esplane_operator_leader). */
	metrics?: OperatorMetrics;
}

export function nodeView(n: V1Node): NodeView {
	const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
	return { name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, ready };
}

export function heartbeatOf(lease: V1Lease): [string, AgentHeartbeat] | undefined {
	const node = lease.metadata?.labels?.['esplane.io/node'] ?? lease.metadata?.name?.replace(AGENT_LEASE_PREFIX, '');
	const renewTime = toDate(lease.spec?.renewTime);
	if (!node || !renewTime || !lease.spec?.holderIdentity) return undefined;
	return [node, { renewTime, leaseDurationSeconds: lease.spec.leaseDurationSeconds ?? 0 }];
}

export class Operator {
	readonly api: KubeApi;
	readonly log: Logger;
	readonly queue: WorkQueue;
	readonly tunnels: Informer<IPsecTunnel>;
	readonly secrets: Informer<V1Secret>;
	readonly nodes: Informer<V1Node>;
	readonly leases: Informer<V1Lease>;
	readonly elector: LeaderElector;
	readonly #o: OperatorOptions;
	#resync: NodeJS.Timeout | undefined;
	#running = false;
	#wasLeading = false;
	readonly stats = { reconciles: 0, failures: 0, conflicts: 0, statusWrites: 0, metadataWrites: 0 };

	constructor(options: OperatorOptions) {
		this.#o = options;
		this.api = options.api ?? kubeApi(options.kubeConfig);
		this.log = options.log ?? createLogger('operator');
		this.queue = new WorkQueue({ concurrency: options.concurrency ?? 8 });
		const ns = options.namespace;
		const onError = (what: string) => (err: unknown) => this.log.warn({ informer: what, err: String(err) }, 'watch failed, retrying');
		this.tunnels = new Informer<IPsecTunnel>({
			kubeConfig: options.kubeConfig,
			path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
			list: () => this.api.listTunnels(ns),
			onError: onError('ipsectunnels'),
		});
		this.secrets = new Informer<V1Secret>({ kubeConfig: options.kubeConfig, path: ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets', list: () => this.api.listSecrets(ns), onError: onError('secrets') });
		this.nodes = new Informer<V1Node>({ kubeConfig: options.kubeConfig, path: '/api/v1/nodes', list: () => this.api.listNodes(), onError: onError('nodes') });
		const agentSelector = `${AGENT_COMPONENT_LABEL}=agent`;
		this.leases = new Informer<V1Lease>({
			kubeConfig: options.kubeConfig,
			path: `/apis/coordination.k8s.io/v1/namespaces/${options.leaseNamespace}/leases`,
			labelSelector: agentSelector,
			list: () => this.api.listLeases(options.leaseNamespace, agentSelector),
			onError: onError('leases'),
		});
		this.#wire();
		this.elector = new LeaderElector({
			api: this.api,
			namespace: options.leaseNamespace,
			name: 'esplane-operator',
			identity: options.identity,
			...(options.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
			onStartedLeading: () => this.#startControllers(),
			onStoppedLeading: () => this.#stopControllers(),
			log: this.log,
		});
	}

	#enqueueAll(): void {
		for (const t of this.tunnels.list()) this.queue.add(keyOf(t));
	}

	#wire(): void {
		const enqueue = (t: IPsecTunnel): void => this.queue.add(keyOf(t));
		this.tunnels.on('add', enqueue);
		this.tunnels.on('update', enqueue);
		this.tunnels.on('delete', enqueue);
		const secretChanged = (s: V1Secret): void => {
			const ns = s.metadata?.namespace;
			const name = s.metadata?.name;
			for (const t of this.tunnels.list()) {
				if (t.metadata.namespace !== ns) continue;
				const a = t.spec?.auth;
				if (!a) continue;
				if (a.psk?.secretRef.name === name || a.x509?.secretName === name || a.eap?.usersSecretRef.name === name) enqueue(t);
			}
		};
		this.secrets.on('add', secretChanged);
		this.secrets.on('update', secretChanged);
		this.secrets.on('delete', secretChanged);
		this.nodes.on('add', () => this.#enqueueAll());
		this.nodes.on('delete', () => this.#enqueueAll());
		this.nodes.on('update', (n, old) => {
			const a = nodeView(n);
			const b = old ? nodeView(old) : undefined;
			if (!b || a.ready !== b.ready || JSON.stringify(a.labels) !== JSON.stringify(b.labels)) this.#enqueueAll();
		});
		this.leases.on('add', () => this.#enqueueAll());
		this.leases.on('delete', () => this.#enqueueAll());
		// A renewal of a live heartbeat changes nothing; an agent coming back or changing hands does.
		this.leases.on('update', (l, old) => {
			if (!old || leaseExpired(old, new Date()) || old.spec?.holderIdentity !== l.spec?.holderIdentity) this.#enqueueAll();
		});
	}

	heartbeats(): Map<string, AgentHeartbeat> {
		const out = new Map<string, AgentHeartbeat>();
		for (const l of this.leases.list()) {
			const hb = heartbeatOf(l);
			if (hb) out.set(hb[0], hb[1]);
		}
		return out;
	}

	async #startControllers(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		this.#wasLeading = true;
		await Promise.all([this.secrets.start(), this.nodes.start(), this.leases.start()]);
		await this.tunnels.start();
		const events = eventRecorder(this.api, 'esplane-operator', (err) => this.log.warn({ err: String(err) }, 'event not written'));
		const metrics = this.#o.metrics;
		metrics?.setLeader(true);
		this.queue.start(async (key) => {
			this.stats.reconciles += 1;
			const reconcile = () => reconcileTunnel(
				{
					api: this.api,
					tunnel: (ns, name) => this.tunnels.get(ns, name),
					secret: (ns, name) => this.secrets.get(ns, name),
					nodes: () => this.nodes.list().map(nodeView),
					heartbeats: () => this.heartbeats(),
					events,
					log: this.log,
				},
				key,
			);
			const result = metrics ? await metrics.timeReconcile('ipsectunnel', reconcile, (r) => (r.failed ? 'error' : r.requeueAfterMs !== undefined ? 'requeue' : 'success')) : await reconcile();
			if (result.failed) this.stats.failures += 1;
			if (result.conflict) this.stats.conflicts += 1;
			for (const w of result.wrote ?? []) this.stats[w === 'status' ? 'statusWrites' : 'metadataWrites'] += 1;
			return result;
		});
		this.#enqueueAll();
		const resync = (): void => {
			this.#enqueueAll();
			this.#resync = setTimeout(resync, this.#o.resyncMs ?? 60_000);
		};
		this.#resync = setTimeout(resync, this.#o.resyncMs ?? 60_000);
		this.log.info({ tunnels: this.tunnels.list().length }, 'controllers started');
	}

	#stopControllers(): void {
		if (!this.#running) return;
		this.#running = false;
		this.#o.metrics?.setLeader(false);
		if (this.#resync) clearTimeout(this.#resync);
		this.queue.stop();
		for (const i of [this.tunnels, this.secrets, this.nodes, this.leases]) i.stop();
		this.log.info({}, 'controllers stopped');
	}

	/** Controllers are running (this replica leads). */
	get running(): boolean {
		return this.#running;
	}

	/** This replica led at some point (so not running now means it lost leadership or stopped). */
	get wasLeading(): boolean {
		return this.#wasLeading;
	}

	/** Campaign for leadership; controllers run while leading. */
	start(): void {
		this.elector.start();
	}

	async stop(): Promise<void> {
		await this.elector.stop();
		this.#stopControllers();
	}
}
