// Deleting a tunnel: the object stays (finalizer, deletionTimestamp) until the agent of its
// node observes it gone from strongSwan, the kernel and the dataplane — the fake programmer
// keeps it "in the kernel" for a few observations to prove the operator waits for that.
import test from 'ava';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('a deleted tunnel is removed from strongSwan, kernel and dataplane before the finalizer is released', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.teardown(() => w.stop());
	const programmer = w.agents.get('gw-1')?.programmer;
	if (!programmer) throw new Error('no agent');
	programmer.removalLag = 8; // ~8 agent syncs (200 ms each) in the kernel after charon dropped it
	await w.createSecret('site-b-psk', { psk: 'k' });
	await w.createTunnel(tunnel('t1'));
	const up = await w.waitForTunnel('t1', 'Established', (x) => cond(x, 'Established')?.status === 'True');
	t.deepEqual(up.metadata.finalizers, ['esplane.io/cleanup']);
	const key = `${w.namespace}/t1`;

	await w.deleteTunnel('t1');
	const deleting = await w.waitForTunnel('t1', 'deletionTimestamp set and unloaded from strongSwan', (x) => x.metadata.deletionTimestamp !== undefined && !programmer.configured.has(key));
	t.deepEqual(deleting.metadata.finalizers, ['esplane.io/cleanup']);
	t.true(programmer.removing.has(key), 'still in kernel/dataplane, so the object must still exist');

	await w.waitFor('the object is gone', async () => w.api.getTunnel(w.namespace, 't1').then(() => false, (e: { code?: number }) => e.code === 404));
	t.false(programmer.removing.has(key));
	t.false(programmer.configured.has(key));
	t.deepEqual(programmer.applies.at(-1), []);
	t.true((await w.events('t1')).some((e) => e.reason === 'Deleted' && /removed it from strongSwan, kernel and dataplane/.test(e.message ?? '')));
});
