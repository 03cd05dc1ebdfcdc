// Invalid IPsecTunnels are refused over HTTP as a real API server refuses them: 422 Invalid,
// a Status body whose message and causes name the field — for a schema violation, for a CEL
// rule (exactly one auth method) and on update as on create.
import test from 'ava';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { siteToSiteSpec, tunnel } from './fixtures.js';

interface Rejection {
	code: number;
	body: { kind: string; reason: string; message: string; details?: { causes?: { field: string }[] } };
}

const rejection = (err: unknown): Rejection => {
	const e = err as { code: number; body: string };
	return { code: e.code, body: JSON.parse(e.body) };
};

test('invalid tunnels get 422 with a Status naming the field, on create and on update', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const custom = c.kubeConfig.makeApiClient(CustomObjectsApi);
	const crd = { group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels' };

	const schema = await custom.createNamespacedCustomObject({ ...crd, body: tunnel('bad', siteToSiteSpec({ natTraversal: 'sometimes' as never })) }).catch(rejection);
	t.is(schema.code, 422);
	t.is(schema.body.kind, 'Status');
	t.is(schema.body.reason, 'Invalid');
	t.regex(schema.body.message, /spec\.natTraversal: Unsupported value: "sometimes"/);
	t.deepEqual(schema.body.details?.causes?.map((x: { field: string }) => x.field), ['spec.natTraversal']);

	const cel = await custom.createNamespacedCustomObject({ ...crd, body: tunnel('bad', siteToSiteSpec({ auth: { psk: { secretRef: { name: 'a', key: 'k' } }, x509: { secretName: 'c' } } })) }).catch(rejection);
	t.is(cel.code, 422);
	t.regex(cel.body.message, /spec\.auth: Invalid value: "object": exactly one of psk, x509 or eap must be set/);

	await custom.createNamespacedCustomObject({ ...crd, body: tunnel('good') });
	const update = await custom
		.patchNamespacedCustomObject({ ...crd, name: 'good', body: { spec: { mtu: 100 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
		.catch(rejection);
	t.is(update.code, 422);
	t.deepEqual(update.body.details?.causes?.map((x: { field: string }) => x.field), ['spec.mtu']);
});
