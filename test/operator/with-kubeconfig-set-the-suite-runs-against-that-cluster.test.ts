// The real-cluster switch, exercised: with KUBECONFIG naming a cluster (here an API-server
// double started as if it were one), startTestCluster applies the CRD from crds/, makes a
// fresh namespace, and an operator scenario runs there unchanged; stop() deletes the namespace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ApiServerDouble } from '../helpers/apiserver/server.js';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('with KUBECONFIG set, the operator tests run in a fresh namespace of that cluster, CRD applied', async (t) => {
	const remote = new ApiServerDouble();
	await remote.start();
	t.teardown(() => remote.stop());
	const dir = mkdtempSync(join(tmpdir(), 'esplane-kc-'));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const kubeconfig = join(dir, 'kubeconfig');
	writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: r, cluster: {server: "${remote.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: r, context: {cluster: r, user: u}}]\ncurrent-context: r\n`);
	process.env.KUBECONFIG = kubeconfig;
	t.teardown(() => {
		delete process.env.KUBECONFIG;
	});

	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.is(w.cluster.double, undefined, 'no double of its own: it uses the cluster KUBECONFIG names');
	t.is(w.cluster.kubeconfigEnv, kubeconfig, 'child processes (kubectl, esplane operator, the agent) get the same KUBECONFIG');
	t.regex(w.namespace, /^esplane-test-\d+-/);
	t.truthy(remote.object('customresourcedefinitions', undefined, 'ipsectunnels.esplane.io'), 'the CRD from crds/ was applied');
	t.truthy(remote.object('namespaces', undefined, w.namespace));

	await w.createSecret('site-b-psk', { psk: 'k' });
	await w.createTunnel(tunnel('t1'));
	const up = await w.waitForTunnel('t1', 'Programmed', (x) => cond(x, 'Programmed')?.status === 'True');
	t.is(up.metadata.namespace, w.namespace);
	await w.stop();
	t.is(remote.object('namespaces', undefined, w.namespace), undefined, 'the test namespace is deleted afterwards');
});
