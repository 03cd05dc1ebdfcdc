// The agent's own Node, read for its ports' addresses and routes (node-ports.ts) under
// Kubernetes: once before the dataplane starts, then whenever a watch on that one Node
// (field selector metadata.name) says it changed, and every intervalMs (default 60 s) as a
// safety net for a watch that is down or not allowed. Level-based: a watch event only says
// "look again"; each look merges the Node's annotations over the ports file again, and a
// result that differs from the one in effect is handed to onChange, one look at a time. A
// refused annotation is logged and written as a Warning Event on the Node (reason
// BadPortsAnnotation) once per distinct message, and the addresses that worked stay. An API
// that cannot be reached leaves everything as it is and is asked again.
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import type { KubeApi } from '../k8s/client.js';
import { Informer } from '../k8s/informer.js';
import { toKubeApiError } from '../k8s/errors.js';
import { eventRecorder, type EventRecorder } from '../k8s/events.js';
import type { Logger } from '../log/index.js';
import { nodePortsConfig } from './node-ports.js';
import type { PortsConfig } from './ports-config.js';

export const BAD_PORTS_ANNOTATION = 'BadPortsAnnotation';

export interface NodePortsWatchOptions {
	api: KubeApi;
	node: string;
	/** the ports file */
	file: PortsConfig;
	log: Logger;
	/** the safety-net re-read; default 60 s */
	intervalMs?: number;
	events?: EventRecorder;
	/** when given, a watch on the Node makes a change apply at once instead of at the next re-read */
	kubeConfig?: KubeConfig;
}

export class NodePortsWatch {
	readonly #o: NodePortsWatchOptions;
	readonly #events: EventRecorder;
	#current: PortsConfig;
	#reported = new Set<string>();
	#timer: NodeJS.Timeout | undefined;
	#stopped = false;
	#onChange: ((next: PortsConfig) => Promise<void>) | undefined;
	#informer: Informer<V1Node> | undefined;
	/** the look running now, and whether another was asked for meanwhile */
	#looking: Promise<void> | undefined;
	#again = false;
	readonly stats = { reads: 0, readFailures: 0, changes: 0, applyFailures: 0, problems: 0, watchEvents: 0, watchErrors: 0 };

	constructor(o: NodePortsWatchOptions) {
		this.#o = o;
		this.#current = o.file;
		this.#events = o.events ?? eventRecorder(o.api, `esplane-agent/${o.node}`, err => o.log.debug({ err: String(err) }, 'event not written'));
	}

	/** the ports config in effect */
	get current(): PortsConfig {
		return this.#current;
	}

	/** {} => the ports config to start the dataplane with: the file merged with the Node's
	 * annotations, or the file alone when the Node cannot be read */
	async first(): Promise<PortsConfig> {
		const next = await this.#read();
		if (next) this.#current = next;
		return this.#current;
	}

	/** {what applies a changed config} => reads from now on every intervalMs */
	start(onChange: (next: PortsConfig) => Promise<void>): void {
		this.#onChange = onChange;
		this.#schedule();
		const o = this.#o;
		if (!o.kubeConfig) return;
		const fieldSelector = `metadata.name=${o.node}`;
		this.#informer = new Informer<V1Node>({
			kubeConfig: o.kubeConfig,
			path: '/api/v1/nodes',
			fieldSelector,
			list: () => o.api.listNodes(undefined, fieldSelector),
			maxBackoffMs: 60_000,
			onError: err => {
				// e.g. an older ClusterRole without list/watch on nodes: the re-read still follows
				if (this.stats.watchErrors++ === 0) o.log.warn({ node: o.node, err: (err as Error).message }, 'node watch failed; ports annotations are re-read every interval instead');
			},
		});
		const changed = (): void => { this.stats.watchEvents++; void this.look(); };
		this.#informer.on('add', changed);
		this.#informer.on('update', changed);
		void this.#informer.start();
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#timer);
		this.#informer?.stop();
	}

	/** {} => a look (poll) now, or right after the one running: never two at once */
	look(): Promise<void> {
		if (this.#looking) {
			this.#again = true;
			return this.#looking;
		}
		this.#looking = (async () => {
			do {
				this.#again = false;
				if (this.#stopped) return;
				await this.poll();
			} while (this.#again);
		})().finally(() => { this.#looking = undefined; });
		return this.#looking;
	}

	/** {} => one read, and the change applied when there is one (look() serialises calls) */
	async poll(): Promise<void> {
		const next = await this.#read();
		if (!next || JSON.stringify(next) === JSON.stringify(this.#current) || !this.#onChange) return;
		try {
			await this.#onChange(next);
			this.stats.changes++;
			this.#o.log.info({ node: this.#o.node, ports: next.ports.map(p => ({ name: p.name, addresses: p.addresses ?? [] })), routes: next.routes }, 'ports follow the node\'s annotations');
		} catch (err) {
			this.stats.applyFailures++;
			this.#o.log.error({ node: this.#o.node, err: (err as Error).message }, 'the node\'s ports annotations could not be applied in full; trying again at the next read');
			return; // not current: the next read tries the whole change again
		}
		this.#current = next;
	}

	#schedule(): void {
		if (this.#stopped) return;
		this.#timer = setTimeout(() => void this.look().finally(() => this.#schedule()), this.#o.intervalMs ?? 60_000);
		this.#timer.unref();
	}

	async #read(): Promise<PortsConfig | undefined> {
		const o = this.#o;
		this.stats.reads++;
		let node;
		try {
			node = await o.api.getNode(o.node);
		} catch (err) {
			this.stats.readFailures++;
			o.log.warn({ node: o.node, err: toKubeApiError(err).message }, 'node not read for its ports annotations; keeping the ports as they are');
			return undefined;
		}
		const merged = nodePortsConfig(o.file, node.metadata?.annotations, o.node, this.#current);
		const now = new Set(merged.problems);
		for (const problem of merged.problems) {
			if (this.#reported.has(problem)) continue;
			this.stats.problems++;
			o.log.error({ node: o.node, problem }, 'ports annotation refused; the port keeps the addresses and routes it had');
			this.#events.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: o.node, ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}) } }, 'Warning', BAD_PORTS_ANNOTATION, problem);
		}
		this.#reported = now; // fixed and broken again: reported again
		return merged.config;
	}
}
