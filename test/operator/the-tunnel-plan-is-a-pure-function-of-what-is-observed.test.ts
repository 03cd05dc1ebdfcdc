// planTunnel without a cluster: the branches the end-to-end tests do not reach cheaply.
import test from 'ava';
import type { V1Secret } from '@kubernetes/client-node';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { FINALIZER, NODE_LABEL, planTunnel } from '../../operator/controller/tunnel-plan.js';
import type { World } from '../../operator/controller/tunnel-plan.js';
import { tunnel } from './fixtures.js';

const now = new Date('2026-01-01T12:00:00Z');
const secret: V1Secret = { metadata: { name: 'site-b-psk', resourceVersion: '7' }, data: { psk: 'a2V5' } };
const world = (t: IPsecTunnel, over: Partial<World> = {}): World => ({
	tunnel: t,
	secret: (_ns, name) => (name === 'site-b-psk' ? secret : undefined),
	nodes: [{ name: 'gw-1', labels: {}, ready: true }],
	heartbeats: new Map([['gw-1', { renewTime: now, leaseDurationSeconds: 10 }]]),
	now,
	...over,
});
const base = (): IPsecTunnel => ({ ...tunnel('t1'), metadata: { name: 't1', namespace: 'default', uid: 'u1', generation: 4, resourceVersion: '10' } });
const reason = (p: ReturnType<typeof planTunnel>, type: string) => p.status.conditions?.find((c) => c.type === type)?.reason;

test('a new valid tunnel gets the finalizer, a node, the node label and Programmed=Pending', (t) => {
	const p = planTunnel(world(base()));
	t.is(p.finalizer, 'add');
	t.is(p.nodeLabel, 'gw-1');
	t.is(p.status.node, 'gw-1');
	t.is(p.status.observedGeneration, 4);
	t.is(p.status.credentialsVersion, 'site-b-psk@7');
	t.is(reason(p, 'Accepted'), 'Accepted');
	t.is(reason(p, 'Programmed'), 'Pending');
	t.deepEqual(p.events.map((e) => e.reason), ['Accepted', 'Assigned']);
	t.is(p.outcome.requeueAfterMs, 10_100);
});

test('with no eligible node the tunnel is accepted but Programmed=False/NoEligibleNode, rechecked later', (t) => {
	const p = planTunnel(world(base(), { nodes: [{ name: 'gw-1', labels: {}, ready: false }] }));
	t.is(reason(p, 'Accepted'), 'Accepted');
	t.is(reason(p, 'Programmed'), 'NoEligibleNode');
	t.is(p.nodeLabel, undefined);
	t.regex(p.status.nodeReason ?? '', /^no eligible node/);
	t.is(p.outcome.requeueAfterMs, 10_000);
});

test('an unchanged, served tunnel plans no write and no event', (t) => {
	const first = planTunnel(world(base()));
	const served: IPsecTunnel = { ...base(), metadata: { ...base().metadata, finalizers: [FINALIZER], labels: { [NODE_LABEL]: 'gw-1' } }, status: first.status };
	const again = planTunnel(world(served));
	t.is(again.finalizer, 'keep');
	t.deepEqual(again.status, first.status);
	t.deepEqual(again.events, []);
});

test('deletion waits for the agent, and releases when it reports Removed or its node is gone', (t) => {
	const deleting = (status: IPsecTunnel['status']): IPsecTunnel => ({ ...base(), metadata: { ...base().metadata, finalizers: [FINALIZER], deletionTimestamp: now.toISOString() }, ...(status ? { status } : {}) });
	const waiting = planTunnel(world(deleting({ node: 'gw-1', agentNode: 'gw-1' })));
	t.is(waiting.finalizer, 'keep');
	t.is(waiting.outcome.requeueAfterMs, 5000);
	const removed = planTunnel(world(deleting({ node: 'gw-1', agentNode: 'gw-1', conditions: [{ type: 'Programmed', status: 'False', reason: 'Removed', message: '', lastTransitionTime: '' }] })));
	t.is(removed.finalizer, 'release');
	const nodeDown = planTunnel(world(deleting({ node: 'gw-1' }), { nodes: [] }));
	t.is(nodeDown.finalizer, 'release');
	t.regex(nodeDown.events[0]?.message ?? '', /node gw-1 is unavailable \(Gone\)/);
});
