// The informer against watch-history compaction: after 410 Gone it relists from scratch and
// diffs the list against its cache, so a deletion it never saw still fires; objects whose
// resourceVersion did not change fire nothing (neither on relist nor on a no-op write); and
// BOOKMARKs keep its resourceVersion current while its own objects are quiet.
import test from 'ava';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { Informer } from '../../operator/k8s/informer.js';
import { startApiServerDouble } from '../helpers/apiserver/cluster.js';
import { tunnel } from './fixtures.js';

const until = async (ok: () => boolean, ms = 10_000): Promise<void> => {
	const deadline = Date.now() + ms;
	while (!ok()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 20));
	}
};

test('after 410 Gone the informer relists, fires the deletion it missed, and stays quiet about unchanged objects', async (t) => {
	const c = await startApiServerDouble({ bookmarkIntervalMs: 100 });
	t.teardown(() => c.stop());
	const api = kubeApi(c.kubeConfig);
	const custom = c.kubeConfig.makeApiClient(CustomObjectsApi);
	const crd = { group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels' };
	for (const name of ['a', 'b', 'c']) await custom.createNamespacedCustomObject({ ...crd, body: tunnel(name) });
	await api.patchTunnelStatus(c.namespace, 'a', { node: 'gw-1' });

	const events: string[] = [];
	const informer = new Informer<IPsecTunnel>({ kubeConfig: c.kubeConfig, path: `/apis/esplane.io/v1alpha1/namespaces/${c.namespace}/ipsectunnels`, list: () => api.listTunnels(c.namespace), minBackoffMs: 20 });
	informer.on('add', (o) => events.push(`add ${o.metadata.name}`));
	informer.on('update', (o) => events.push(`update ${o.metadata.name}`));
	informer.on('delete', (o) => events.push(`delete ${o.metadata.name}`));
	await informer.start();
	t.teardown(() => informer.stop());
	t.deepEqual(events.splice(0), ['add a', 'add b', 'add c']);

	// A no-op write: same resourceVersion, no event.
	const a = await api.getTunnel(c.namespace, 'a');
	await api.patchTunnelStatus(c.namespace, 'a', { node: 'gw-1' }, a.metadata.resourceVersion);

	// Bookmarks advance the informer's resourceVersion past writes to other resources.
	await c.kubeConfig.makeApiClient((await import('@kubernetes/client-node')).CoreV1Api).createNamespacedSecret({ namespace: c.namespace, body: { metadata: { name: 's' }, stringData: { k: 'v' } } });
	const serverRv = Number((await api.listSecrets(c.namespace)).metadata?.resourceVersion);
	await until(() => Number(informer.resourceVersion) >= serverRv);

	// The informer misses a deletion while it is stopped; then history is compacted.
	informer.stop();
	await custom.deleteNamespacedCustomObject({ ...crd, name: 'b' });
	c.double.compact();
	void informer.start();
	await until(() => events.includes('delete b'));
	t.deepEqual(events, ['delete b']);
	t.is(informer.stats.gone, 1);
	t.is(informer.stats.lists, 2);
	t.true(informer.stats.skippedUnchanged >= 2, 'a and c came back in the relist with the same resourceVersion');
	t.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ['a', 'c']);

	// A compaction under an open watch: ERROR 410 in the stream, relist, and watching goes on.
	// (The watch after the relist must be open first: a watch that arrives after the
	// compaction starts from a resourceVersion the server still serves, and rightly gets no 410.)
	await until(() => c.double.openWatches === 1);
	c.double.compact();
	await until(() => informer.stats.gone === 2 && c.double.openWatches === 1).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(informer.stats)} open ${c.double.openWatches}`); });
	await custom.createNamespacedCustomObject({ ...crd, body: tunnel('d') });
	await until(() => events.includes('add d'));
	t.deepEqual(events, ['delete b', 'add d']);
});
