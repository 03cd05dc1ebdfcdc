// Rotating the PSK in its Secret reaches the node: the operator records the Secret's new
// version in status, the agent sees the tunnel change, reads the Secret again and applies it.
// Deleting the Secret afterwards is reported in Accepted but leaves the running tunnel up.
import test from 'ava';
import { CoreV1Api } from '@kubernetes/client-node';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('a rotated Secret makes the agent load the new PSK', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.teardown(() => w.stop());
	await w.createSecret('site-b-psk', { psk: 'old key' });
	await w.createTunnel(tunnel('t1'));
	const before = await w.waitForTunnel('t1', 'Programmed=True', (x) => cond(x, 'Programmed')?.status === 'True');
	const programmer = w.agents.get('gw-1')?.programmer;
	const key = `${w.namespace}/t1`;
	t.deepEqual(programmer?.psks.get(key), ['old key']);

	await w.replaceSecret('site-b-psk', { psk: 'new key' });
	await w.waitFor('the new PSK applied', async () => programmer?.psks.get(key)?.at(-1) === 'new key');
	t.deepEqual(programmer?.psks.get(key), ['old key', 'new key']);
	const after = await w.api.getTunnel(w.namespace, 't1');
	t.not(after.status?.credentialsVersion, before.status?.credentialsVersion);
	t.is(after.metadata.generation, before.metadata.generation); // a Secret change is not a spec change
	t.is(cond(after, 'Programmed')?.status, 'True');

	// Deleting the Secret is reported, but does not take the running tunnel down.
	await w.cluster.kubeConfig.makeApiClient(CoreV1Api).deleteNamespacedSecret({ namespace: w.namespace, name: 'site-b-psk' });
	const orphaned = await w.waitForTunnel('t1', 'Accepted=False/SecretNotFound', (x) => cond(x, 'Accepted')?.reason === 'SecretNotFound');
	t.regex(cond(orphaned, 'Accepted')?.message ?? '', /the tunnel keeps running on gw-1 with the credentials it has/);
	t.is(orphaned.status?.node, 'gw-1');
	await w.agents.get('gw-1')?.agent.settle();
	t.true(programmer?.configured.has(key), 'still configured on the node');
	t.is(cond(await w.api.getTunnel(w.namespace, 't1'), 'Programmed')?.status, 'True');
});
