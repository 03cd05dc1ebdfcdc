// The operator Deployment and the RBAC of both roles as rendered with the defaults: two
// replicas with leader election (a Lease it may only touch in its own namespace), a locked
// down container, and ClusterRoles that name every resource and verb (no wildcards), never
// write Secrets or Nodes, and give the agent no more than get on Secrets.
import test from 'ava';
import { NAMESPACE, find, render } from './helm.js';
import type { K8sObject } from './helm.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const rules = (o: K8sObject) => (o as K8sObject & { rules: Rule[] }).rules;
const verbsOn = (rs: Rule[], group: string, resource: string) =>
	rs.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs).sort();

test('the operator runs two replicas with leader election identities, spread over nodes, non-root and read-only', (t) => {
	const objs = render();
	const d = find(objs, 'Deployment', 'esplane-operator') as K8sObject & { spec: Record<string, any> };
	t.is(d.spec['replicas'], 2);
	const pod = d.spec['template'].spec;
	const c = pod.containers[0];
	t.deepEqual(c.args, ['operator']);
	// Leader election identity and Lease namespace come from the downward API.
	const env = Object.fromEntries((c.env as Array<{ name: string; valueFrom?: { fieldRef: { fieldPath: string } } }>).map((e) => [e.name, e.valueFrom?.fieldRef.fieldPath]));
	t.is(env['POD_NAME'], 'metadata.name');
	t.is(env['POD_NAMESPACE'], 'metadata.namespace');
	t.is(pod.serviceAccountName, 'esplane-operator');
	t.true(pod.securityContext.runAsNonRoot);
	t.true(c.securityContext.readOnlyRootFilesystem);
	t.false(c.securityContext.allowPrivilegeEscalation);
	t.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
	t.is(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
	t.is(c.livenessProbe.httpGet.path, '/healthz');
	t.is(c.readinessProbe.httpGet.path, '/readyz');
	const pdb = find(objs, 'PodDisruptionBudget', 'esplane-operator') as K8sObject & { spec: { minAvailable: number } };
	t.is(pdb.spec.minAvailable, 1);
});

test('Leases are reachable only in the release namespace: the operator elects a leader and watches heartbeats, agents renew their own', (t) => {
	const objs = render();
	const heartbeat = find(objs, 'Role', 'esplane-agent-heartbeat');
	t.is(heartbeat.metadata.namespace, NAMESPACE);
	t.deepEqual(verbsOn(rules(heartbeat), 'coordination.k8s.io', 'leases'), ['create', 'get', 'update']);
	t.deepEqual(verbsOn(rules(find(objs, 'ClusterRole', 'esplane-agent')), 'coordination.k8s.io', 'leases'), []);
	const role = find(objs, 'Role', 'esplane-operator-leader-election');
	t.is(role.metadata.namespace, NAMESPACE);
	t.deepEqual(verbsOn(rules(role), 'coordination.k8s.io', 'leases'), ['create', 'get', 'list', 'patch', 'update', 'watch']);
	t.deepEqual(verbsOn(rules(find(objs, 'ClusterRole', 'esplane-operator')), 'coordination.k8s.io', 'leases'), []);
});

test('the ClusterRoles name every resource and verb, never write Secrets or Nodes, and give the agent only get on Secrets', (t) => {
	const objs = render();
	for (const o of objs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
		for (const r of rules(o)) {
			t.false([...r.apiGroups, ...r.resources, ...r.verbs].includes('*'), `${o.metadata.name}: wildcard in ${JSON.stringify(r)}`);
		}
		for (const res of ['secrets', 'nodes']) {
			const writes = verbsOn(rules(o), '', res).filter((v) => !['get', 'list', 'watch'].includes(v));
			t.deepEqual(writes, [], `${o.metadata.name} writes ${res}`);
		}
	}
	const agent = rules(find(objs, 'ClusterRole', 'esplane-agent'));
	t.deepEqual(verbsOn(agent, '', 'secrets'), ['get']);
	t.deepEqual(verbsOn(agent, 'esplane.io', 'ipsectunnels'), ['get', 'list', 'watch'], 'the agent cannot change specs');
	t.deepEqual(verbsOn(agent, 'esplane.io', 'ipsectunnels/status'), ['get', 'patch', 'update']);
	const operator = rules(find(objs, 'ClusterRole', 'esplane-operator'));
	t.deepEqual(verbsOn(operator, 'esplane.io', 'ipsectunnels/finalizers'), ['update']);
	t.deepEqual(verbsOn(operator, '', 'secrets'), ['get', 'list', 'watch']);
	for (const b of ['esplane-operator', 'esplane-agent']) {
		const binding = find(objs, 'ClusterRoleBinding', b) as K8sObject & { subjects: Array<{ name: string; namespace: string }>; roleRef: { name: string } };
		t.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: b, namespace: NAMESPACE }]);
		t.is(binding.roleRef.name, b);
	}
});

test('monitors are off by default and on with the monitoring values', (t) => {
	const kinds = (objs: K8sObject[]) => objs.map((o) => o.kind).filter((k) => k.endsWith('Monitor')).sort();
	t.deepEqual(kinds(render()), []);
	const on = render(['ci/monitoring-values.yaml']);
	t.deepEqual(kinds(on), ['PodMonitor', 'ServiceMonitor']);
	t.true(on.some((o) => o.kind === 'PrometheusRule'));
	t.false(render().some((o) => o.kind === 'PrometheusRule'));
	const pm = find(on, 'PodMonitor', 'esplane-agent') as K8sObject & { spec: { podMetricsEndpoints: Array<{ port: string }> } };
	t.is(pm.spec.podMetricsEndpoints[0]?.port, 'metrics');
	t.is((pm.metadata['labels'] as Record<string, string>)['release'], 'kube-prometheus-stack');
});
