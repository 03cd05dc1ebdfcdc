// The chart carries copies of files that live elsewhere: its CRD (charts/esplane/crds/) must equal the generated one in
// crds/, its files/strongswan.conf must equal config/strongswan/strongswan.conf (the one the
// strongSwan tests run charon with), and the charon ConfigMap must carry it, with a VICI
// socket in the directory the chart shares between charon and the agent.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART, ROOT, find, render } from './helm.js';
import type { K8sObject } from './helm.js';

test('the chart CRDs are byte-for-byte the ones in crds/', (t) => {
	const source = readdirSync(join(ROOT, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
	const copy = readdirSync(join(CHART, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
	t.deepEqual(copy, source);
	t.true(source.includes('esplane.io_ipsectunnels.yaml'));
	for (const f of source) {
		t.is(readFileSync(join(CHART, 'crds', f), 'utf8'), readFileSync(join(ROOT, 'crds', f), 'utf8'), 'refresh with: node --import tsx test/ops/generate-manifests.ts');
	}
});

test("charon's ConfigMap carries config/strongswan/strongswan.conf and its VICI socket is the agent's", (t) => {
	const objs = render();
	const file = readFileSync(join(CHART, 'files/strongswan.conf'), 'utf8');
	t.is(file, readFileSync(join(ROOT, 'config/strongswan/strongswan.conf'), 'utf8'), 'refresh with: node --import tsx test/ops/generate-manifests.ts');
	const cm = find(objs, 'ConfigMap', 'esplane-strongswan') as K8sObject & { data: Record<string, string> };
	t.is(cm.data['strongswan.conf'], file.replace(/\n$/, ''));
	const socket = /vici\s*\{[^}]*socket\s*=\s*(\S+)/.exec(file)?.[1];
	t.is(socket, 'unix:///run/charon.vici');
	type C = { name: string; env?: Array<{ name: string; value?: string }>; volumeMounts?: Array<{ name: string; mountPath: string }> };
	const ds = find(objs, 'DaemonSet', 'esplane-agent') as K8sObject & { spec: { template: { spec: { containers: C[] } } } };
	const containers = ds.spec.template.spec.containers;
	const agentEnv = containers.find((c) => c.name === 'agent')?.env ?? [];
	t.is(socket, `unix://${agentEnv.find((e) => e.name === 'ESPLANE_VICI')?.value ?? ''}`);
	// The socket's directory is the shared volume in both containers.
	const dir = (socket ?? '').replace(/^unix:\/\//, '').replace(/\/[^/]+$/, '');
	for (const c of ['agent', 'charon']) {
		t.is(containers.find((x) => x.name === c)?.volumeMounts?.find((m) => m.name === 'vici')?.mountPath, dir, c);
	}
});

test('the Grafana dashboard ConfigMap carries dashboards/esplane.json', (t) => {
	const file = readFileSync(join(CHART, 'files/grafana-dashboard.json'), 'utf8');
	t.is(file, readFileSync(join(ROOT, 'dashboards/esplane.json'), 'utf8'), 'refresh with: node --import tsx test/ops/generate-manifests.ts');
	t.false(render().some((o) => o.metadata.name === 'esplane-grafana-dashboard'), 'off by default');
	const cm = find(render(['ci/monitoring-values.yaml']), 'ConfigMap', 'esplane-grafana-dashboard') as K8sObject & { data: Record<string, string> };
	t.deepEqual(JSON.parse(cm.data['esplane.json'] ?? ''), JSON.parse(file));
	t.is((cm.metadata['labels'] as Record<string, string>)['grafana_dashboard'], '1');
});
