// Applies planTunnel's answer for one tunnel: metadata first (finalizer and node label, in one
// JSON patch guarded by a `test` of the resourceVersion), then the status fields that differ
// (one merge patch with the resourceVersion as precondition), then the Events. Any conflict
// means the cache was behind: the key is retried shortly and planned again from fresh state.
import { isDeepStrictEqual } from 'node:util';
import type { V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import type { JsonPatchOp, KubeApi } from '../k8s/client.js';
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
	log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export interface ReconcileResult {
	requeueAfterMs?: number;
	failed?: boolean;
	/** What was written, for metrics and tests. */
	wrote?: ('metadata' | 'status')[];
}

const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function metadataOps(t: IPsecTunnel, plan: Plan): JsonPatchOp[] {
	const ops: JsonPatchOp[] = [];
	const finalizers = t.metadata.finalizers ?? [];
	if (plan.finalizer === 'add') ops.push(t.metadata.finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] });
	if (plan.finalizer === 'release') ops.push({ op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== FINALIZER) });
	const current = t.metadata.labels?.[NODE_LABEL];
	if (plan.finalizer !== 'release' && current !== plan.nodeLabel) {
		const path = `/metadata/labels/${escape(NODE_LABEL)}`;
		if (plan.nodeLabel === undefined) ops.push({ op: 'remove', path });
		else if (!t.metadata.labels) ops.push({ op: 'add', path: '/metadata/labels', value: { [NODE_LABEL]: plan.nodeLabel } });
		else ops.push({ op: current === undefined ? 'add' : 'replace', path, value: plan.nodeLabel });
	}
	return ops.length === 0 ? ops : [{ op: 'test', path: '/metadata/resourceVersion', value: t.metadata.resourceVersion }, ...ops];
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
		const ops = metadataOps(t, plan);
		if (ops.length > 0) {
			const patched = await deps.api.jsonPatchTunnel(namespace, name, ops);
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
		// 409 (conflict) and 422 from a failed `test` op both mean "the cache was behind".
		deps.log?.[e.code === 409 || e.code === 422 ? 'info' : 'warn']({ key, code: e.code, reason: e.reason, err: e.message }, 'tunnel write failed, retrying');
		return { failed: true, wrote };
	}
	for (const e of plan.events) deps.events.record(t, e.type, e.reason, e.message);
	if (plan.outcome.retry !== undefined) return { failed: true, wrote };
	return { ...(plan.outcome.requeueAfterMs !== undefined ? { requeueAfterMs: plan.outcome.requeueAfterMs } : {}), wrote };
}
