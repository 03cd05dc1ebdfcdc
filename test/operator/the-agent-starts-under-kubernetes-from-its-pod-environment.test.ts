// The DaemonSet side: startK8sAgent takes its node and namespaces from the pod environment,
// renews its heartbeat Lease, and refuses to start without NODE_NAME (a typed error, no crash).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { isAgentEnvError, k8sAgentEnv, startK8sAgent } from '../../operator/agent/k8s-run.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { startApiServerDouble } from '../helpers/apiserver/cluster.js';
import { FakeProgrammer } from './fake-programmer.js';

test('the agent starts from NODE_NAME/POD_NAMESPACE, renews its heartbeat Lease, and needs NODE_NAME', async (t) => {
	const error = (() => {
		try {
			k8sAgentEnv({});
		} catch (e) {
			return e;
		}
		return undefined;
	})();
	t.true(isAgentEnvError(error));
	t.deepEqual(k8sAgentEnv({ NODE_NAME: 'n1' }), { node: 'n1', leaseNamespace: 'esplane-system' });

	const c = await startApiServerDouble();
	t.teardown(() => c.stop());
	const dir = mkdtempSync(join(tmpdir(), 'esplane-agent-'));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const kubeconfig = join(dir, 'kubeconfig');
	writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: d, cluster: {server: "${c.double.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: d, context: {cluster: d, user: u}}]\ncurrent-context: d\n`);
	process.env.KUBECONFIG = kubeconfig;
	const agent = await startK8sAgent(new FakeProgrammer(), createLogger('test', { level: 'silent' }), { NODE_NAME: 'gw-7', POD_NAMESPACE: 'esplane-system' });
	t.teardown(() => agent.stop());
	const lease = await kubeApi(c.kubeConfig).getLease('esplane-system', 'esplane-agent-gw-7');
	t.is(lease.spec?.holderIdentity, 'gw-7');
	t.is(lease.metadata?.labels?.['esplane.io/component'], 'agent');
	t.true(c.double.openWatches >= 1, 'it watches the tunnels assigned to gw-7');
});
