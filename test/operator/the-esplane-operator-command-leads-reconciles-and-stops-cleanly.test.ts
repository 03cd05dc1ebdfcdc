// `esplane operator` as deployed: its own process, Kubernetes access from $KUBECONFIG (the
// API-server double, or the cluster $KUBECONFIG names, in a fresh namespace). It takes the leader Lease, reconciles a tunnel, says so
// on /metrics and /readyz, and on SIGTERM releases the Lease and exits 0.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { tunnel } from './fixtures.js';

test('esplane operator takes the lease, reconciles, and on SIGTERM releases the lease and exits 0', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const ns = c.namespace;
	const port = await new Promise<number>((resolve) => {
		const probe = createServer().listen(0, '127.0.0.1', () => {
			const p = (probe.address() as AddressInfo).port;
			probe.close(() => resolve(p));
		});
	});
	const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'operator/cli/main.ts'), 'operator', '--namespace', ns, '--lease-namespace', ns, '--identity', 'op-under-test'], {
		env: { ...process.env, KUBECONFIG: c.kubeconfigEnv, ESPLANE_LOG_LEVEL: 'info', ESPLANE_METRICS_HOST: '127.0.0.1', ESPLANE_METRICS_PORT: String(port) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (d: Buffer) => (output += d.toString()));
	child.stderr.on('data', (d: Buffer) => (output += d.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	t.teardown(() => child.kill('SIGKILL'));

	const api = kubeApi(c.kubeConfig);
	await c.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: ns, plural: 'ipsectunnels', body: tunnel('t1', undefined, ns) });
	const deadline = Date.now() + 20_000;
	let reason: string | undefined;
	while (Date.now() < deadline) {
		const t1 = await api.getTunnel(ns, 't1');
		reason = t1.status?.conditions?.find((x) => x.type === 'Accepted')?.reason;
		if (reason) break;
		await new Promise((r) => setTimeout(r, 100));
	}
	t.is(reason, 'SecretNotFound', output);
	t.is((await api.getLease(ns, 'esplane-operator')).spec?.holderIdentity, 'op-under-test');

	const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
	t.regex(metrics, /^esplane_operator_leader 1$/m);
	t.regex(metrics, /^esplane_reconcile_total\{controller="ipsectunnel",result="error"\} [1-9]/m, 'the missing Secret counts as an error (retried)');
	t.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);

	child.kill('SIGTERM');
	t.is(await exited, 0, output);
	t.is((await api.getLease(ns, 'esplane-operator')).spec?.holderIdentity, '', 'the lease was released');
	t.regex(output, /"msg":"became leader"/);
});
