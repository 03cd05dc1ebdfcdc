// The operator's reconcile of one IPsecTunnel as a pure function: from what is observed (the
// tunnel, its Secrets, the nodes, the agents' heartbeats, the clock) to what should be (the
// finalizer, the node label the agent watches, the operator-owned status fields and
// conditions, the Events to emit) and the outcome for the work queue. tunnel-reconciler.ts
// applies the difference. Nothing here reads the network or a timer, so every branch is a
// table-driven test.
import type { V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel, IPsecTunnelSpec, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import { REASONS } from '../api/reasons.js';
import type { Reason } from '../api/reasons.js';
import { validateSpec } from '../api/validate.js';
import { condition, findCondition, setConditions } from './conditions.js';
import type { ConditionUpdate } from './conditions.js';
import { nodeHealth, selectGateway } from './gateway.js';
import type { AgentHeartbeat, NodeView } from './gateway.js';

export const FINALIZER = 'esplane.io/cleanup';
/** The label that assigns a tunnel to a node; each agent watches `esplane.io/node=<itself>`. */
export const NODE_LABEL = 'esplane.io/node';

export interface World {
	tunnel: IPsecTunnel;
	secret: (namespace: string, name: string) => V1Secret | undefined;
	nodes: NodeView[];
	heartbeats: ReadonlyMap<string, AgentHeartbeat>;
	now: Date;
}

export interface PlannedEvent {
	type: 'Normal' | 'Warning';
	reason: string;
	message: string;
}

export interface Outcome {
	/** Look again after this long even if nothing changes (lease expiry, waiting for an agent). */
	requeueAfterMs?: number;
	/** A transient problem: retry with the queue's exponential backoff. */
	retry?: string;
}

export interface Plan {
	finalizer: 'add' | 'keep' | 'release';
	/** Desired value of the node label; undefined = no label. */
	nodeLabel: string | undefined;
	status: IPsecTunnelStatus;
	events: PlannedEvent[];
	outcome: Outcome;
}

/** Agent-observed fields, cleared whenever the serving node changes or the tunnel is unserved. */
const AGENT_FIELDS = ['ike', 'childSas', 'sas', 'traffic', 'agentNode', 'lastError'] as const;

interface CredentialCheck {
	problem?: { reason: Extract<Reason, 'SecretNotFound' | 'SecretKeyMissing'>; message: string };
	version?: string;
}

function checkCredentials(spec: IPsecTunnelSpec, namespace: string, secret: World['secret']): CredentialCheck {
	const wanted: { name: string; keys: string[]; field: string }[] = [];
	if (spec.auth.psk) wanted.push({ name: spec.auth.psk.secretRef.name, keys: [spec.auth.psk.secretRef.key], field: 'spec.auth.psk.secretRef' });
	if (spec.auth.x509) wanted.push({ name: spec.auth.x509.secretName, keys: ['tls.crt', 'tls.key'], field: 'spec.auth.x509.secretName' });
	if (spec.auth.eap) wanted.push({ name: spec.auth.eap.usersSecretRef.name, keys: [], field: 'spec.auth.eap.usersSecretRef' });
	const versions: string[] = [];
	for (const w of wanted) {
		const s = secret(namespace, w.name);
		if (!s) return { problem: { reason: 'SecretNotFound', message: `${w.field}: Secret ${namespace}/${w.name} not found; retrying` } };
		const keys = Object.keys({ ...(s.data ?? {}), ...(s.stringData ?? {}) });
		const missing = w.keys.filter((k) => !keys.includes(k));
		if (missing.length > 0 || keys.length === 0) {
			return { problem: { reason: 'SecretKeyMissing', message: `${w.field}: Secret ${namespace}/${w.name} has no key ${missing.map((k) => JSON.stringify(k)).join(', ') || '(any)'}; retrying` } };
		}
		versions.push(`${w.name}@${s.metadata?.resourceVersion ?? ''}`);
	}
	return { version: versions.join(',') };
}

function withoutAgentFields(status: IPsecTunnelStatus): IPsecTunnelStatus {
	const out = { ...status };
	for (const f of AGENT_FIELDS) delete out[f];
	return out;
}

export function planTunnel(world: World): Plan {
	const t = world.tunnel;
	const namespace = t.metadata.namespace ?? 'default';
	const generation = t.metadata.generation ?? 0;
	const current = t.status ?? {};
	const hasFinalizer = (t.metadata.finalizers ?? []).includes(FINALIZER);
	const label = t.metadata.labels?.[NODE_LABEL];
	const events: PlannedEvent[] = [];

	if (t.metadata.deletionTimestamp) {
		if (!hasFinalizer) return { finalizer: 'keep', nodeLabel: label, status: current, events, outcome: {} };
		const node = current.node;
		const removed = findCondition(current.conditions, 'Programmed')?.reason === 'Removed' && current.agentNode === node;
		const health = node ? nodeHealth(node, world.nodes, world.heartbeats, world.now) : 'Gone';
		if (!node || removed || health !== 'ok') {
			const where = !node ? 'no node served it' : removed ? `the agent on ${node} removed it from strongSwan, kernel and dataplane` : `node ${node} is unavailable (${health}); its agent drops unknown tunnels when it returns`;
			events.push({ type: 'Normal', reason: 'Deleted', message: `finalizer released: ${where}` });
			return { finalizer: 'release', nodeLabel: label, status: current, events, outcome: {} };
		}
		return { finalizer: 'keep', nodeLabel: label, status: current, events, outcome: { requeueAfterMs: 5000 } };
	}

	const updates: ConditionUpdate[] = [];
	let status: IPsecTunnelStatus = { ...current, observedGeneration: generation };
	let nodeLabel: string | undefined;
	let outcome: Outcome = {};
	const accepted = findCondition(current.conditions, 'Accepted');
	const notServed = (why: string): void => {
		status = withoutAgentFields(status);
		delete status.node;
		status.nodeReason = why;
		updates.push(condition('Programmed', 'NotAccepted', why, generation), condition('Established', 'NotProgrammed', why, generation), condition('Ready', 'NotEstablished', why, generation));
	};
	const acceptance = (reason: 'InvalidSpec' | 'SecretNotFound' | 'SecretKeyMissing' | 'Accepted', message: string): void => {
		updates.push(condition('Accepted', reason, message, generation));
		const changed = accepted?.reason !== reason || accepted.message !== message || accepted.observedGeneration !== generation;
		if (changed && (reason !== 'Accepted' || accepted?.status !== 'True')) events.push({ type: REASONS[reason].warning ? 'Warning' : 'Normal', reason, message });
	};

	const problems = validateSpec(t.spec);
	const credentials = problems.length === 0 ? checkCredentials(t.spec, namespace, world.secret) : {};
	// A tunnel already up on a healthy node keeps running what its agent has (the last accepted
	// generation, the credentials it loaded): a bad edit or a deleted Secret is reported, not
	// turned into an outage. A tunnel that never ran is not served until it is acceptable.
	const programmed = findCondition(current.conditions, 'Programmed');
	const running = current.node !== undefined && nodeHealth(current.node, world.nodes, world.heartbeats, world.now) === 'ok' && programmed?.status === 'True';
	if (problems.length > 0) {
		const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
		if (running && current.node) {
			acceptance('InvalidSpec', `${message}; ${current.node} keeps running generation ${programmed?.observedGeneration ?? '?'}`);
			nodeLabel = current.node;
		} else {
			acceptance('InvalidSpec', message);
			notServed('not served: the spec is invalid');
		}
	} else if (credentials.problem) {
		if (running && current.node) {
			acceptance(credentials.problem.reason, `${credentials.problem.message}; the tunnel keeps running on ${current.node} with the credentials it has`);
			nodeLabel = current.node;
		} else {
			acceptance(credentials.problem.reason, credentials.problem.message);
			notServed('not served: its Secrets cannot be resolved');
		}
		outcome = { retry: credentials.problem.message };
	} else {
		acceptance('Accepted', 'the spec is valid and its Secrets resolve');
		if (credentials.version !== undefined) status.credentialsVersion = credentials.version;
		const decision = selectGateway({
			tunnelUid: t.metadata.uid ?? `${namespace}/${t.metadata.name}`,
			...(t.spec.gateway?.nodeSelector ? { nodeSelector: t.spec.gateway.nodeSelector } : {}),
			...(current.node ? { current: current.node } : {}),
			nodes: world.nodes,
			heartbeats: world.heartbeats,
			now: world.now,
		});
		if (!decision.node) {
			status = withoutAgentFields(status);
			delete status.node;
			status.nodeReason = decision.reason;
			updates.push(condition('Programmed', 'NoEligibleNode', decision.reason, generation), condition('Established', 'NotProgrammed', decision.reason, generation), condition('Ready', 'NotEstablished', decision.reason, generation));
			if (current.nodeReason !== decision.reason) events.push({ type: 'Warning', reason: 'NoEligibleNode', message: decision.reason });
			outcome = { requeueAfterMs: 10_000 };
		} else {
			nodeLabel = decision.node;
			if (decision.node !== current.node) {
				status = withoutAgentFields(status);
				status.node = decision.node;
				status.nodeReason = decision.reason;
				const waiting = `waiting for the agent on ${decision.node}`;
				updates.push(condition('Programmed', 'Pending', waiting, generation), condition('Established', 'NotProgrammed', waiting, generation), condition('Ready', 'NotEstablished', waiting, generation));
				events.push(decision.moved ? { type: 'Warning', reason: 'Moved', message: decision.reason } : { type: 'Normal', reason: 'Assigned', message: decision.reason });
			} else if (!findCondition(current.conditions, 'Programmed')) {
				updates.push(condition('Programmed', 'Pending', `waiting for the agent on ${decision.node}`, generation));
			}
			if (decision.recheckAfterMs !== undefined) outcome = { requeueAfterMs: decision.recheckAfterMs };
		}
	}
	status.conditions = setConditions(current.conditions, updates, world.now);
	return { finalizer: hasFinalizer ? 'keep' : 'add', nodeLabel, status, events, outcome };
}
