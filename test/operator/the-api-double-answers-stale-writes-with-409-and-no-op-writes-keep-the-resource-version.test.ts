// The API-server double's optimistic concurrency, through the unchanged client-node: a write
// carrying an old resourceVersion is refused with 409 Conflict, a write that changes nothing
// keeps the resourceVersion, and every real change moves it forward.
import test from 'ava';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { kubeApi } from '../../operator/k8s/client.js';
import { toKubeApiError } from '../../operator/k8s/errors.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { tunnel } from './fixtures.js';

test('a stale write gets 409 Conflict, a no-op write keeps the resourceVersion', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const api = kubeApi(c.kubeConfig);
	const custom = c.kubeConfig.makeApiClient(CustomObjectsApi);
	const crd = { group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels' };
	const created = await custom.createNamespacedCustomObject({ ...crd, body: tunnel('t1') });
	const rv1 = created.metadata.resourceVersion as string;

	const first = await api.patchTunnelStatus(c.namespace, 't1', { node: 'gw-1' }, rv1);
	t.true(Number(first.metadata.resourceVersion) > Number(rv1));

	const stale = await api.patchTunnelStatus(c.namespace, 't1', { node: 'gw-2' }, rv1).catch(toKubeApiError);
	t.like(stale, { code: 409, reason: 'Conflict' });
	t.regex((stale as Error).message, /the object has been modified/);

	const stalePut = await custom.replaceNamespacedCustomObject({ ...crd, name: 't1', body: { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } } }).catch(toKubeApiError);
	t.like(stalePut, { code: 409 });

	const again = await api.patchTunnelStatus(c.namespace, 't1', { node: 'gw-1' }, first.metadata.resourceVersion);
	t.is(again.metadata.resourceVersion, first.metadata.resourceVersion, 'nothing changed, so no new resourceVersion');
	t.is((await api.getTunnel(c.namespace, 't1')).status?.node, 'gw-1');

	const dup = await custom.createNamespacedCustomObject({ ...crd, body: tunnel('t1') }).catch(toKubeApiError);
	t.like(dup, { code: 409, reason: 'AlreadyExists' });
	const missing = await api.getTunnel(c.namespace, 'nope').catch(toKubeApiError);
	t.like(missing, { code: 404, reason: 'NotFound' });
});
