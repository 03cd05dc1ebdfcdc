// Applies planTunnel's answer for one tunnel: metadata first (finalizer and node label, in one
// merge patch with the resourceVersion as precondition), then the status fields that differ
// (one merge patch with the resourceVersion as precondition), then the Events. Any conflict
// means the cache was behind: the key is retried shortly and planned again from fresh state.
import { isDeepStrictEqual } from 'node:util';
import type { V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import type { KubeApi } from '../k8s/client.js';
import { toKubeApiError } from '../k8s/errors.js';
import type { EventRecorder } from '../k8s/events.js';
import type { AgentHeartbeat, NodeView } from './gateway.js';
import { FINALIZER, NODE_LABEL, planTunnel } from './tunnel-plan.js';
import type { Plan } from './tunnel-plan.js';

export interface ReconcilerDeps {
	api: KubeApi;
	tunnel: (namespace: string, name: string) => IPsecTunnel | undefined;
	secret: (namespace: string, name: string) => V1Secret | undefined;
	nodes: () => NodeView[];
	heartbeats: () => ReadonlyMap<string, AgentHeartbeat>;
	events: EventRecorder;
	now?: () => Date;
	log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; debug?: (o: object, m: string) => void };
}

export interface ReconcileResult {
	requeueAfterMs?: number;
	failed?: boolean;
	/** The write lost an optimistic-concurrency race (409). */
	conflict?: boolean;
	/** What was written, for metrics and tests. */
	wrote?: ('metadata' | 'status')[];
}

/**
 * The metadata merge patch (finalizers, the node label) planTunnel asks for, carrying the
 * resourceVersion it was planned from, so the API server refuses it (409) if the object moved.
 */
export function metadataPatch(t: IPsecTunnel, plan: Plan): Record<string, unknown> | undefined {
	const metadata: Record<string, unknown> = {};
	const finalizers = t.metadata.finalizers ?? [];
	if (plan.finalizer === 'add') metadata.finalizers = [...finalizers, FINALIZER];
	if (plan.finalizer === 'release') metadata.finalizers = finalizers.filter((f) => f !== FINALIZER);
	if (plan.finalizer !== 'release' && t.metadata.labels?.[NODE_LABEL] !== plan.nodeLabel) metadata.labels = { [NODE_LABEL]: plan.nodeLabel ?? null };
	if (Object.keys(metadata).length === 0) return undefined;
	return { metadata: { ...metadata, resourceVersion: t.metadata.resourceVersion } };
}

/** The merge patch that turns `current` into `desired` at the top level of status (null clears). */
export function statusPatch(current: IPsecTunnelStatus | undefined, desired: IPsecTunnelStatus): Record<string, unknown> | undefined {
	const patch: Record<string, unknown> = {};
	const cur = (current ?? {}) as Record<string, unknown>;
	const want = desired as Record<string, unknown>;
	for (const key of new Set([...Object.keys(cur), ...Object.keys(want)])) {
		if (!isDeepStrictEqual(cur[key], want[key])) patch[key] = want[key] ?? null;
	}
	return Object.keys(patch).length > 0 ? patch : undefined;
}

export async function reconcileTunnel(deps: ReconcilerDeps, key: string): Promise<ReconcileResult> {
	const [namespace = '', name = ''] = key.split('/');
	let t = deps.tunnel(namespace, name);
	if (!t) return {};
	const plan = planTunnel({ tunnel: t, secret: deps.secret, nodes: deps.nodes(), heartbeats: deps.heartbeats(), now: deps.now?.() ?? new Date() });
	const wrote: ('metadata' | 'status')[] = [];
	try {
		const meta = metadataPatch(t, plan);
		if (meta) {
			const patched = await deps.api.mergePatchTunnel(namespace, name, meta);
			wrote.push('metadata');
			if (plan.finalizer === 'release') {
				for (const e of plan.events) deps.events.record(t, e.type, e.reason, e.message);
				return { wrote };
			}
			if (patched?.metadata?.resourceVersion) t = patched;
		}
		const patch = statusPatch(t.status, plan.status);
		if (patch) {
			await deps.api.patchTunnelStatus(namespace, name, patch as Partial<IPsecTunnelStatus>, t.metadata.resourceVersion);
			wrote.push('status');
		}
	} catch (err) {
		const e = toKubeApiError(err);
		if (e.code === 404) return { wrote };
		// 409 means "the cache was behind": the watch is about to deliver the newer object, which
		// queues this key again. Not a failure, so no growing backoff; the requeue is a safety net.
		if (e.code === 409) {
			deps.log?.debug?.({ key, code: e.code }, 'tunnel changed under us, planning again');
			return { requeueAfterMs: 1000, conflict: true, wrote };
		}
		deps.log?.warn({ key, code: e.code, reason: e.reason, err: e.message }, 'tunnel write failed, retrying');
		return { failed: true, wrote };
	}
	for (const e of plan.events) deps.events.record(t, e.type, e.reason, e.message);
	if (plan.outcome.retry !== undefined) return { failed: true, wrote };
	return { ...(plan.outcome.requeueAfterMs !== undefined ? { requeueAfterMs: plan.outcome.requeueAfterMs } : {}), wrote };
}
