// Status subresource semantics as the operator relies on them: spec changes sent to /status
// are ignored, status changes sent to the main resource are ignored, status is dropped on
// create, and only a spec change bumps metadata.generation.
import test from 'ava';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { kubeApi } from '../../operator/k8s/client.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { siteToSiteSpec, tunnel } from './fixtures.js';

test('spec and status are written only through their own endpoints, and generation follows spec', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const api = kubeApi(c.kubeConfig);
	const custom = c.kubeConfig.makeApiClient(CustomObjectsApi);
	const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
	const crd = { group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels' };

	const created = await custom.createNamespacedCustomObject({ ...crd, body: { ...tunnel('t1'), status: { node: 'forged' } } });
	t.is(created.status, undefined, 'status is dropped on create');
	t.is(created.metadata.generation, 1);

	// Through /status: the status lands, the spec change does not, generation stays.
	const viaStatus = await custom.patchNamespacedCustomObjectStatus({ ...crd, name: 't1', body: { spec: { mtu: 1400 }, status: { node: 'gw-1' } } }, merge);
	t.is(viaStatus.status.node, 'gw-1');
	t.is(viaStatus.spec.mtu, undefined);
	t.is(viaStatus.metadata.generation, 1);

	// Through the main resource: the spec lands and bumps generation, the status change does not.
	const viaMain = await custom.patchNamespacedCustomObject({ ...crd, name: 't1', body: { spec: { mtu: 1400 }, status: { node: 'gw-2' } } }, merge);
	t.is(viaMain.spec.mtu, 1400);
	t.is(viaMain.status.node, 'gw-1');
	t.is(viaMain.metadata.generation, 2);

	// Metadata-only changes (labels) do not bump generation.
	const labelled = await custom.patchNamespacedCustomObject({ ...crd, name: 't1', body: { metadata: { labels: { team: 'net' } } } }, merge);
	t.is(labelled.metadata.generation, 2);
	t.is((await api.getTunnel(c.namespace, 't1')).spec.local.address, siteToSiteSpec().local.address);
});
