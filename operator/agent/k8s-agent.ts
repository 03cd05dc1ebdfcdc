// `esplane agent` under Kubernetes: the node side of the operator. It
//   - renews its heartbeat Lease `esplane-agent-<node>` (the operator's failover input);
//   - watches the IPsecTunnels labelled for its node (`esplane.io/node=<node>`);
//   - hands the ones it serves (status.node is this node, Accepted at the current generation,
//     not being deleted) with their credentials to a TunnelProgrammer — strongSwan over VICI,
//     XFRM and the dataplane live behind that interface and are other modules' business;
//   - reports what the programmer observes into status (status-observed.ts), with the
//     resourceVersion as precondition and a per-tunnel rate limit: state changes at most once
//     per minPatchIntervalMs, counter-only changes at most once per counterPatchIntervalMs;
//   - for a tunnel being deleted, reports `Programmed=False/Removed` only once the programmer
//     observes it gone from strongSwan, kernel and dataplane — the operator's cue to release
//     the finalizer.
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import { GROUP, PLURAL, VERSION } from '../api/ipsectunnel.js';
import { CONDITION_ORDER, findCondition } from '../controller/conditions.js';
import { REASONS } from '../api/reasons.js';
import { AGENT_COMPONENT_LABEL, AGENT_LEASE_PREFIX } from '../controller/operator.js';
import { NODE_LABEL } from '../controller/tunnel-plan.js';
import { statusPatch } from '../controller/tunnel-reconciler.js';
import { kubeApi } from '../k8s/client.js';
import type { KubeApi } from '../k8s/client.js';
import { toKubeApiError } from '../k8s/errors.js';
import { Informer, keyOf } from '../k8s/informer.js';
import { claimLease } from '../k8s/lease.js';
import { eventRecorder } from '../k8s/events.js';
import type { EventRecorder } from '../k8s/events.js';
import { createLogger } from '../log/index.js';
import type { Logger } from '../log/index.js';
import { agentStatus, onlyCountersDiffer } from './status-observed.js';
import type { ObservedTunnel } from './status-observed.js';

export type { ObservedTunnel, ObservedChildSa } from './status-observed.js';

/** Key material for one tunnel, read from its Secrets. Buffers so callers can zero them. */
export interface Credentials {
	psk?: Buffer;
	x509?: { cert: Buffer; key: Buffer; ca?: Buffer };
	eapUsers?: Record<string, Buffer>;
}

export interface DesiredTunnel {
	/** `namespace/name` */
	key: string;
	tunnel: IPsecTunnel;
	credentials: Credentials;
}

/**
 * The node's IPsec machinery as the Kubernetes side sees it.
 *   apply(desired) => exactly these tunnels are configured afterwards (others removed);
 *                     per-tunnel failures in `errors`, never a throw for one bad tunnel
 *   observe()      => per tunnel key, what charon, the kernel and the dataplane hold now
 */
export interface TunnelProgrammer {
	apply(tunnels: DesiredTunnel[]): Promise<{ errors?: Map<string, string> } | void>;
	observe(): Promise<Map<string, ObservedTunnel>>;
}

export interface K8sAgentOptions {
	kubeConfig: KubeConfig;
	node: string;
	programmer: TunnelProgrammer;
	/** Namespace of the heartbeat Lease (the operator's). */
	leaseNamespace: string;
	/** Watch tunnels in this namespace only; undefined = all. */
	namespace?: string;
	syncIntervalMs?: number;
	minPatchIntervalMs?: number;
	counterPatchIntervalMs?: number;
	readyWindowMs?: number;
	leaseDurationSeconds?: number;
	heartbeatMs?: number;
	api?: KubeApi;
	log?: Logger;
}

const decode = (v: string | undefined): Buffer | undefined => (v === undefined ? undefined : Buffer.from(v, 'base64'));

export function credentialsFrom(t: IPsecTunnel, secrets: Map<string, V1Secret>): Credentials {
	const a = t.spec.auth;
	if (a.psk) {
		const psk = decode(secrets.get(a.psk.secretRef.name)?.data?.[a.psk.secretRef.key]);
		if (!psk) throw new Error(`Secret ${a.psk.secretRef.name} has no key ${a.psk.secretRef.key}`);
		return { psk };
	}
	if (a.x509) {
		const data = secrets.get(a.x509.secretName)?.data ?? {};
		const cert = decode(data['tls.crt']);
		const key = decode(data['tls.key']);
		const ca = decode(data['ca.crt']);
		if (!cert || !key) throw new Error(`Secret ${a.x509.secretName} lacks tls.crt or tls.key`);
		return { x509: { cert, key, ...(ca ? { ca } : {}) } };
	}
	if (a.eap) {
		const data = secrets.get(a.eap.usersSecretRef.name)?.data ?? {};
		return { eapUsers: Object.fromEntries(Object.entries(data).map(([user, pw]) => [user, Buffer.from(pw, 'base64')])) };
	}
	return {};
}

function secretNames(t: IPsecTunnel): string[] {
	const a = t.spec.auth;
	return [a.psk?.secretRef.name, a.x509?.secretName, a.eap?.usersSecretRef.name].filter((n): n is string => n !== undefined);
}

export class K8sAgent {
	readonly api: KubeApi;
	readonly tunnels: Informer<IPsecTunnel>;
	readonly log: Logger;
	readonly #o: K8sAgentOptions;
	readonly #lastPatch = new Map<string, number>();
	#applied: string | undefined;
	#applyErrors = new Map<string, string>();
	#credentialErrors = new Map<string, string>();
	#lastHeartbeat = Date.now();
	#fenceAnnounced = false;
	/** The last object of each tunnel that was Accepted at its own generation. */
	readonly #accepted = new Map<string, IPsecTunnel>();
	/** Secrets by `namespace/name`, reused while their resourceVersion is the one the operator resolved. */
	readonly #secrets = new Map<string, V1Secret>();
	#syncing: Promise<void> | undefined;
	#again = false;
	#heartbeatTimer: NodeJS.Timeout | undefined;
	#syncTimer: NodeJS.Timeout | undefined;
	#stopped = false;
	readonly #events: EventRecorder;
	readonly stats = { syncs: 0, applies: 0, patches: 0, conflicts: 0, skippedByRateLimit: 0 };

	constructor(options: K8sAgentOptions) {
		this.#o = options;
		this.api = options.api ?? kubeApi(options.kubeConfig);
		this.log = options.log ?? createLogger('agent', { base: { node: options.node } });
		const selector = `${NODE_LABEL}=${options.node}`;
		const ns = options.namespace;
		this.tunnels = new Informer<IPsecTunnel>({
			kubeConfig: options.kubeConfig,
			path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
			labelSelector: selector,
			list: () => this.api.listTunnels(ns, selector),
			onError: (err) => this.log.warn({ err: String(err) }, 'tunnel watch failed, retrying'),
		});
		this.#events = eventRecorder(this.api, `esplane-agent/${options.node}`, (err) => this.log.debug({ err: String(err) }, 'event not written'));
		const kick = (): void => this.kick();
		this.tunnels.on('add', kick);
		this.tunnels.on('update', kick);
		this.tunnels.on('delete', kick);
	}

	async start(): Promise<void> {
		this.#stopped = false;
		await this.#heartbeat();
		await this.tunnels.start();
		this.kick();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#heartbeatTimer);
		clearTimeout(this.#syncTimer);
		this.tunnels.stop();
		await this.#syncing;
	}

	async #heartbeat(): Promise<void> {
		if (this.#stopped) return;
		const o = this.#o;
		const duration = o.leaseDurationSeconds ?? 10;
		const sentAt = Date.now(); // the renewTime the operator will judge us by
		const result = await claimLease(this.api, {
			namespace: o.leaseNamespace,
			name: `${AGENT_LEASE_PREFIX}${o.node}`,
			identity: o.node,
			leaseDurationSeconds: duration,
			labels: { [AGENT_COMPONENT_LABEL]: 'agent', [NODE_LABEL]: o.node },
			force: true,
		});
		if (result.held) {
			const wasFenced = this.fenced;
			this.#lastHeartbeat = sentAt;
			if (wasFenced) {
				this.log.info({}, 'heartbeat renewed: serving again');
				this.kick();
			}
		} else this.log.warn({ reason: result.reason }, 'heartbeat not renewed');
		if (this.fenced && !this.#fenceAnnounced) {
			this.#fenceAnnounced = true;
			this.log.warn({ lastHeartbeat: new Date(this.#lastHeartbeat).toISOString() }, 'heartbeat lost past the lease: fencing, all tunnels unprogrammed');
			this.kick();
		}
		if (!this.#stopped) this.#heartbeatTimer = setTimeout(() => void this.#heartbeat(), o.heartbeatMs ?? (duration * 1000) / 3);
	}

	/**
	 * Fenced: the heartbeat Lease has not been renewed for (almost) a lease duration, so the
	 * operator may already have moved this node's tunnels elsewhere. The agent unprograms
	 * everything rather than risk two nodes serving one tunnel, and serves again once it can
	 * renew (and so read its assignments) again.
	 */
	get fenced(): boolean {
		// A little before the operator's deadline (renewTime + lease duration), so the old node
		// is already down when the new one comes up.
		const lease = (this.#o.leaseDurationSeconds ?? 10) * 1000;
		return Date.now() - this.#lastHeartbeat > lease - Math.min(1000, lease / 5);
	}

	/** Ask for a sync soon; syncs never overlap, a kick during one runs another after it. */
	kick(): void {
		if (this.#stopped) return;
		if (this.#syncing) {
			this.#again = true;
			return;
		}
		this.#syncing = this.#sync().finally(() => {
			this.#syncing = undefined;
			if (this.#stopped) return;
			if (this.#again) {
				this.#again = false;
				this.kick();
			}
		});
	}

	/** Resolves after a full sync that started after this call. */
	async settle(): Promise<void> {
		await this.#syncing;
		this.kick();
		await this.#syncing;
	}

	async #secret(t: IPsecTunnel, name: string): Promise<V1Secret> {
		const namespace = t.metadata.namespace ?? 'default';
		const wanted = (t.status?.credentialsVersion ?? '').split(',').find((v) => v.startsWith(`${name}@`))?.slice(name.length + 1);
		const cached = this.#secrets.get(`${namespace}/${name}`);
		if (cached && wanted !== undefined && cached.metadata?.resourceVersion === wanted) return cached;
		const fresh = await this.api.getSecret(namespace, name);
		this.#secrets.set(`${namespace}/${name}`, fresh);
		return fresh;
	}

	async #sync(): Promise<void> {
		const o = this.#o;
		this.stats.syncs += 1;
		const mine = this.tunnels.list().filter((t) => t.status?.node === o.node);
		// Serve the accepted generation. A new generation the operator has not judged yet keeps
		// the previous accepted one configured (no teardown while the spec is being checked); a
		// rejected one is unassigned by the operator and so leaves `mine`.
		const serving: IPsecTunnel[] = [];
		const current = new Set<string>();
		const fenced = this.fenced;
		if (!fenced) this.#fenceAnnounced = false;
		for (const t of fenced ? [] : mine) {
			const key = keyOf(t);
			current.add(key);
			if (t.metadata.deletionTimestamp) continue;
			const accepted = findCondition(t.status?.conditions, 'Accepted');
			if (accepted?.status === 'True' && accepted.observedGeneration === t.metadata.generation) {
				this.#accepted.set(key, t);
				serving.push(t);
			} else {
				const previous = this.#accepted.get(key);
				if (previous) serving.push(previous);
			}
		}
		if (!fenced) for (const key of this.#accepted.keys()) if (!current.has(key)) this.#accepted.delete(key);
		// Apply only when what should be configured changed (or the last apply left errors):
		// the signature covers spec generations and the Secret versions the operator resolved.
		const signature = JSON.stringify(serving.map((t) => [keyOf(t), t.metadata.generation, t.status?.credentialsVersion]).sort());
		// (fenced: nothing is served, and there is no point writing status the API cannot take)
		if (signature !== this.#applied || this.#applyErrors.size > 0 || this.#credentialErrors.size > 0) {
			const credentialErrors = new Map<string, string>();
			const desired: DesiredTunnel[] = [];
			for (const t of serving) {
				const key = keyOf(t);
				try {
					const secrets = new Map<string, V1Secret>();
					for (const name of secretNames(t)) secrets.set(name, await this.#secret(t, name));
					desired.push({ key, tunnel: t, credentials: credentialsFrom(t, secrets) });
				} catch (err) {
					credentialErrors.set(key, `credentials: ${toKubeApiError(err).message}`);
				}
			}
			try {
				this.stats.applies += 1;
				const result = await o.programmer.apply(desired);
				this.#applyErrors = result?.errors ?? new Map();
				this.#applied = signature;
			} catch (err) {
				this.#applied = undefined;
				this.#applyErrors = new Map(desired.map((d) => [d.key, `programming failed: ${String(err)}`]));
			} finally {
				for (const d of desired) {
					d.credentials.psk?.fill(0);
					d.credentials.x509?.key.fill(0);
					for (const pw of Object.values(d.credentials.eapUsers ?? {})) pw.fill(0);
				}
			}
			this.#credentialErrors = credentialErrors;
		}
		const errors = new Map<string, string>(this.#credentialErrors);
		for (const [k, v] of this.#applyErrors) errors.set(k, v);
		const observed = await o.programmer.observe().catch((err: unknown) => {
			this.log.warn({ err: String(err) }, 'observe failed');
			return undefined;
		});
		if (observed && !fenced) await this.#report(mine, new Map(serving.map((t) => [keyOf(t), t.metadata.generation ?? 0])), observed, errors);
		clearTimeout(this.#syncTimer);
		if (!this.#stopped) this.#syncTimer = setTimeout(() => this.kick(), o.syncIntervalMs ?? 2000);
	}

	/** An Event per agent-owned condition that changed reason (Programmed, Established, Ready). */
	#announce(t: IPsecTunnel, next: IPsecTunnelStatus): void {
		for (const type of CONDITION_ORDER.slice(1)) {
			const before = findCondition(t.status?.conditions, type);
			const after = findCondition(next.conditions, type);
			if (!after || before?.reason === after.reason) continue;
			const info = REASONS[after.reason as keyof typeof REASONS];
			this.#events.record(t, info?.warning ? 'Warning' : 'Normal', after.reason, `${after.message} (node ${this.#o.node})`);
		}
	}

	async #report(mine: IPsecTunnel[], serving: Map<string, number>, observed: Map<string, ObservedTunnel>, errors: Map<string, string>): Promise<void> {
		const o = this.#o;
		const now = new Date();
		for (const t of mine) {
			const key = keyOf(t);
			// Report what is configured here (also a previous generation kept running) and deletions.
			if (!t.metadata.deletionTimestamp && !serving.has(key)) continue;
			// Conditions speak of the generation actually configured, which may be the previous one.
			const served = serving.get(key);
			const subject = served === undefined ? t : { ...t, metadata: { ...t.metadata, generation: served } };
			const desired = agentStatus(subject, observed.get(key), errors.get(key), { node: o.node, now, readyWindowMs: o.readyWindowMs ?? 60_000 });
			const patch = statusPatch(t.status, desired);
			if (!patch) continue;
			const interval = onlyCountersDiffer(t.status ?? {}, desired) ? (o.counterPatchIntervalMs ?? 10_000) : (o.minPatchIntervalMs ?? 1000);
			if (now.getTime() - (this.#lastPatch.get(key) ?? 0) < interval) {
				this.stats.skippedByRateLimit += 1;
				continue;
			}
			try {
				await this.api.patchTunnelStatus(t.metadata.namespace ?? 'default', t.metadata.name, patch, t.metadata.resourceVersion);
				this.#lastPatch.set(key, now.getTime());
				this.stats.patches += 1;
				this.#announce(t, desired);
			} catch (err) {
				const e = toKubeApiError(err);
				if (e.code === 409) this.stats.conflicts += 1; // the watch brings the newer object; the next sync reports again
				else if (e.code !== 404) this.log.warn({ key, code: e.code, err: e.message }, 'status patch failed');
			}
		}
	}
}
