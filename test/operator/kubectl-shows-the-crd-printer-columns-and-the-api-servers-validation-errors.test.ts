// The real kubectl (from scripts/setup.sh) against the API-server double (or the cluster
// $KUBECONFIG names, in a fresh namespace — the double must answer as a real server does): `kubectl apply`
// creates a tunnel, `kubectl get ipt` prints the CRD's printer columns (Ready, Node, Local,
// Remote, SAs, Age) from status the agent and operator wrote, and an invalid object is refused
// with the field named, as a real API server refuses it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';

const kubectlBin = join(repoRoot, '.tools/kubectl');

test('kubectl apply and get work against the double, showing the printer columns and validation errors', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const dir = mkdtempSync(join(tmpdir(), 'esplane-kubectl-'));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const kubectl = (...args: string[]) =>
		new Promise<{ code: number; out: string }>((resolve) =>
			execFile(kubectlBin, ['--namespace', c.namespace, ...args], { env: { ...process.env, KUBECONFIG: c.kubeconfigEnv, HOME: dir } }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })),
		);
	const manifest = (name: string, natTraversal: string) => {
		const file = join(dir, `${name}.yaml`);
		writeFileSync(file, `apiVersion: esplane.io/v1alpha1\nkind: IPsecTunnel\nmetadata: {name: ${name}}\nspec:\n  local: {address: 192.0.2.1, subnets: [10.1.0.0/24]}\n  remote: {address: 198.51.100.2, subnets: [10.2.0.0/24]}\n  auth: {psk: {secretRef: {name: psk, key: psk}}}\n  natTraversal: ${natTraversal}\n`);
		return file;
	};

	const applied = await kubectl('apply', '--validate=false', '-f', manifest('site-b', 'force'));
	t.is(applied.code, 0, applied.out);
	t.regex(applied.out, /ipsectunnel\.esplane\.io\/site-b created/);

	const api = kubeApi(c.kubeConfig);
	const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	await api.patchTunnelStatus(c.namespace, 'site-b', { node: 'gw-1', sas: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'traffic seen in both directions recently', lastTransitionTime: now }] });
	const got = await kubectl('get', 'ipt');
	t.is(got.code, 0, got.out);
	const [header, row] = got.out.trim().split('\n').map((l) => l.trim().split(/\s+/));
	t.deepEqual(header, ['NAME', 'READY', 'NODE', 'LOCAL', 'REMOTE', 'SAS', 'AGE']);
	t.deepEqual(row?.slice(0, 6), ['site-b', 'True', 'gw-1', '192.0.2.1', '198.51.100.2', '2']);
	t.regex(row?.[6] ?? '', /^\d+s$/);
	const wide = await kubectl('get', 'ipsectunnels', '-o', 'wide');
	t.regex(wide.out.split('\n')[0] ?? '', /REASON/);

	const bad = await kubectl('apply', '--validate=false', '-f', manifest('site-c', 'sometimes'));
	t.not(bad.code, 0);
	t.regex(bad.out, /The IPsecTunnel "site-c" is invalid: spec\.natTraversal: Unsupported value: "sometimes": supported values: "auto", "force", "off"/);
});
