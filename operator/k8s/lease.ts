// One step of holding a coordination.k8s.io Lease: take it if it is free, expired or ours,
// renew it if ours. Optimistic concurrency does the locking — a replace carries the
// resourceVersion we read, so two contenders cannot both win (one gets 409). Used by the
// operator's leader election and by each agent's heartbeat (`esplane-agent-<node>`).
import type { V1Lease } from '@kubernetes/client-node';
import type { KubeApi } from './client.js';
import { toKubeApiError } from './errors.js';

export interface LeaseClaim {
	namespace: string;
	name: string;
	identity: string;
	leaseDurationSeconds: number;
	labels?: Record<string, string>;
	/** Take the lease even if someone else holds it unexpired (an agent's own heartbeat). */
	force?: boolean;
}

export type LeaseResult = { held: true; lease: V1Lease } | { held: false; holder?: string; reason: string };

/**
 * Lease times are MicroTime on the wire (RFC 3339 with exactly six fractional digits; the API
 * server parses nothing else). client-node passes a value of that type through unserialized,
 * so we hand it the string it must send.
 */
export function microTime(d: Date): Date {
	return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

export const toDate = (v: unknown): Date | undefined => (v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined);

export function leaseExpired(lease: V1Lease, now: Date): boolean {
	const renew = toDate(lease.spec?.renewTime);
	if (!lease.spec?.holderIdentity || !renew) return true;
	return renew.getTime() + (lease.spec.leaseDurationSeconds ?? 0) * 1000 <= now.getTime();
}

export async function claimLease(api: KubeApi, claim: LeaseClaim, now = new Date()): Promise<LeaseResult> {
	const stamp = microTime(now);
	const spec = { holderIdentity: claim.identity, leaseDurationSeconds: claim.leaseDurationSeconds, renewTime: stamp };
	try {
		let lease: V1Lease;
		try {
			lease = await api.getLease(claim.namespace, claim.name);
		} catch (err) {
			if (toKubeApiError(err).code !== 404) throw err;
			const created = await api.createLease(claim.namespace, {
				apiVersion: 'coordination.k8s.io/v1',
				kind: 'Lease',
				metadata: { name: claim.name, namespace: claim.namespace, ...(claim.labels ? { labels: claim.labels } : {}) },
				spec: { ...spec, acquireTime: stamp, leaseTransitions: 0 },
			});
			return { held: true, lease: created };
		}
		const holder = lease.spec?.holderIdentity;
		const ours = holder === claim.identity;
		if (!ours && !claim.force && !leaseExpired(lease, now)) return { held: false, ...(holder ? { holder } : {}), reason: `held by ${holder}` };
		const next: V1Lease = {
			...lease,
			metadata: { ...lease.metadata, ...(claim.labels ? { labels: { ...lease.metadata?.labels, ...claim.labels } } : {}) },
			spec: { ...lease.spec, ...spec, ...(ours ? {} : { acquireTime: stamp, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }) },
		};
		return { held: true, lease: await api.replaceLease(claim.namespace, claim.name, next) };
	} catch (err) {
		const e = toKubeApiError(err);
		return { held: false, reason: e.code === 409 ? 'lost a race for the lease' : `lease error: ${e.message}` };
	}
}

/** Give the lease up so another contender need not wait for it to expire. */
export async function releaseLease(api: KubeApi, namespace: string, name: string, identity: string): Promise<void> {
	try {
		const lease = await api.getLease(namespace, name);
		if (lease.spec?.holderIdentity !== identity) return;
		await api.replaceLease(namespace, name, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
	} catch {
		// best effort: the lease expires by itself
	}
}
