// Finalizers and deletionTimestamp: DELETE only marks an object that has finalizers (watchers
// see MODIFIED with deletionTimestamp); it goes — DELETED — when the last finalizer is removed;
// no new finalizer can be added while it is being deleted.
import test from 'ava';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { toKubeApiError } from '../../operator/k8s/errors.js';
import { Informer } from '../../operator/k8s/informer.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { tunnel } from './fixtures.js';

test('an object with finalizers is only marked by DELETE and goes when the last finalizer is removed', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const api = kubeApi(c.kubeConfig);
	const custom = c.kubeConfig.makeApiClient(CustomObjectsApi);
	const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
	const crd = { group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels' };
	const seen: string[] = [];
	const informer = new Informer<IPsecTunnel>({ kubeConfig: c.kubeConfig, path: `/apis/esplane.io/v1alpha1/namespaces/${c.namespace}/ipsectunnels`, list: () => api.listTunnels(c.namespace) });
	informer.on('add', (o) => seen.push(`add ${o.metadata.finalizers?.join(',')}`));
	informer.on('update', (o) => seen.push(`update ${o.metadata.deletionTimestamp ? 'deleting' : 'live'} ${o.metadata.finalizers?.join(',') ?? ''}`));
	informer.on('delete', () => seen.push('delete'));
	await informer.start();
	t.teardown(() => informer.stop());

	await custom.createNamespacedCustomObject({ ...crd, body: { ...tunnel('t1'), metadata: { name: 't1', finalizers: ['a/one', 'b/two'] } } });
	await custom.deleteNamespacedCustomObject({ ...crd, name: 't1' });
	const marked = await api.getTunnel(c.namespace, 't1');
	t.truthy(marked.metadata.deletionTimestamp);

	const added = await api.jsonPatchTunnel(c.namespace, 't1', [{ op: 'add', path: '/metadata/finalizers/-', value: 'c/three' }]).catch(toKubeApiError);
	t.like(added, { code: 422 });

	await custom.patchNamespacedCustomObject({ ...crd, name: 't1', body: { metadata: { finalizers: ['b/two'] } } }, merge);
	t.truthy(await api.getTunnel(c.namespace, 't1'));
	await api.jsonPatchTunnel(c.namespace, 't1', [{ op: 'test', path: '/metadata/finalizers', value: ['b/two'] }, { op: 'replace', path: '/metadata/finalizers', value: [] }]);
	t.like(await api.getTunnel(c.namespace, 't1').catch(toKubeApiError), { code: 404 });

	const deadline = Date.now() + 3000;
	while (!seen.includes('delete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
	t.deepEqual(seen, ['add a/one,b/two', 'update deleting a/one,b/two', 'update deleting b/two', 'delete']);
});
