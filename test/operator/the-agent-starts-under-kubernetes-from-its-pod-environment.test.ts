// The DaemonSet side: startK8sAgent takes its node and namespaces from the pod environment,
// renews its heartbeat Lease, and refuses to start without NODE_NAME (a typed error, no crash).
// Against the double, or the cluster $KUBECONFIG names (the Lease in a fresh namespace).
import test from 'ava';
import { isAgentEnvError, k8sAgentEnv, startK8sAgent } from '../../operator/agent/k8s-run.js';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { NODE_LABEL } from '../../operator/controller/tunnel-plan.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';
import { FakeProgrammer } from './fake-programmer.js';
import { tunnel } from './fixtures.js';

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

	const c = await startTestCluster();
	t.teardown(() => c.stop());
	process.env.KUBECONFIG = c.kubeconfigEnv; // what startK8sAgent reads, as in the pod
	const agent = await startK8sAgent(new FakeProgrammer(), createLogger('test', { level: 'silent' }), { NODE_NAME: 'gw-7', POD_NAMESPACE: c.namespace, ESPLANE_WATCH_NAMESPACE: c.namespace });
	t.teardown(() => agent.stop());
	const lease = await kubeApi(c.kubeConfig).getLease(c.namespace, 'esplane-agent-gw-7');
	t.is(lease.spec?.holderIdentity, 'gw-7');
	t.is(lease.metadata?.labels?.['esplane.io/component'], 'agent');
	// It watches the tunnels assigned to gw-7: one labelled for it shows up in its cache.
	const assigned = tunnel('t7', undefined, c.namespace);
	assigned.metadata.labels = { [NODE_LABEL]: 'gw-7' };
	await c.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: c.namespace, plural: 'ipsectunnels', body: assigned });
	const deadline = Date.now() + 10_000;
	while (!agent.tunnels.get(c.namespace, 't7') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
	t.truthy(agent.tunnels.get(c.namespace, 't7'), 'the tunnel assigned to gw-7 reached the agent');
});
