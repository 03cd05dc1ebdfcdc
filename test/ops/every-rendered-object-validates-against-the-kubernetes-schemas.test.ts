// Every object the chart renders, in every supported mode, validates against the Kubernetes
// OpenAPI schemas (kubernetes-models' generated validators: types, required fields, enums,
// formats), and prometheus-operator's for ServiceMonitor/PodMonitor. A kind without a
// validator fails the test, so a new template cannot slip past.
import test from 'ava';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODES, NAMESPACE, ROOT, parseDocs, render } from './helm.js';
import type { K8sObject } from './helm.js';

type Validator = (o: K8sObject) => void;
const v =
	<T extends { validate(): void }>(Model: new (data: never) => T): Validator =>
	(o) => new Model(o as never).validate();

const VALIDATORS: Record<string, Validator> = {
	'v1/ConfigMap': v(ConfigMap),
	'v1/Namespace': v(Namespace),
	'v1/Service': v(Service),
	'v1/ServiceAccount': v(ServiceAccount),
	'apps/v1/DaemonSet': v(DaemonSet),
	'apps/v1/Deployment': v(Deployment),
	'policy/v1/PodDisruptionBudget': v(PodDisruptionBudget),
	'rbac.authorization.k8s.io/v1/ClusterRole': v(ClusterRole),
	'rbac.authorization.k8s.io/v1/ClusterRoleBinding': v(ClusterRoleBinding),
	'rbac.authorization.k8s.io/v1/Role': v(Role),
	'rbac.authorization.k8s.io/v1/RoleBinding': v(RoleBinding),
	'apiextensions.k8s.io/v1/CustomResourceDefinition': v(CustomResourceDefinition),
	'monitoring.coreos.com/v1/PodMonitor': v(PodMonitor),
	'monitoring.coreos.com/v1/PrometheusRule': v(PrometheusRule),
	'monitoring.coreos.com/v1/ServiceMonitor': v(ServiceMonitor),
};

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

const manifests = () => {
	const dir = join(ROOT, 'manifests');
	return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseDocs(readFileSync(join(dir, f), 'utf8')));
};
const SOURCES = [...MODES.map((m) => ({ name: `rendered with ${m.name} values`, objs: () => render(m.values) })), { name: 'in manifests/', objs: manifests }];

for (const source of SOURCES) {
	test(`every object ${source.name} validates against its Kubernetes schema`, (t) => {
		const objs = source.objs();
		t.true(objs.length >= 12, `only ${objs.length} objects rendered`);
		for (const o of objs) {
			const id = `${o.apiVersion}/${o.kind} ${o.metadata?.name}`;
			const validate = VALIDATORS[`${o.apiVersion}/${o.kind}`];
			if (!validate) {
				t.fail(`${id}: no schema validator for this kind`);
				continue;
			}
			t.notThrows(() => validate(o), id);
			if (CLUSTER_SCOPED.has(o.kind)) t.is(o.metadata.namespace, undefined, `${id} is cluster-scoped`);
			else t.is(o.metadata.namespace, NAMESPACE, `${id} is in the release namespace`);
		}
	});
}

test('the schema validators reject a rendered object with a wrong type, so the check can fail', (t) => {
	const objs = render();
	const ds = structuredClone(objs.find((o) => o.kind === 'DaemonSet')) as K8sObject & { spec: { template: { spec: { hostNetwork: unknown } } } };
	ds.spec.template.spec.hostNetwork = 'yes';
	t.throws(() => VALIDATORS['apps/v1/DaemonSet']?.(ds));
});
