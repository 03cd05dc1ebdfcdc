// The chart carries copies: its CRD (charts/esplane/crds/) must equal the generated one in
// crds/, and the charon ConfigMap must carry files/strongswan.conf, whose VICI socket is the
// one the agent is told to use.
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
		t.is(readFileSync(join(CHART, 'crds', f), 'utf8'), readFileSync(join(ROOT, 'crds', f), 'utf8'), `copy with: cp crds/${f} charts/esplane/crds/`);
	}
});

test("charon's ConfigMap carries files/strongswan.conf and its VICI socket is the agent's", (t) => {
	const objs = render();
	const file = readFileSync(join(CHART, 'files/strongswan.conf'), 'utf8');
	const cm = find(objs, 'ConfigMap', 'esplane-strongswan') as K8sObject & { data: Record<string, string> };
	t.is(cm.data['strongswan.conf'], file.replace(/\n$/, ''));
	const socket = /vici\s*\{[^}]*socket\s*=\s*(\S+)/.exec(file)?.[1];
	t.is(socket, 'unix:///run/strongswan/charon.vici');
	const ds = find(objs, 'DaemonSet', 'esplane-agent') as K8sObject & { spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } } };
	const agentEnv = ds.spec.template.spec.containers.find((c) => c.name === 'agent')?.env ?? [];
	t.is(agentEnv.find((e) => e.name === 'ESPLANE_VICI_SOCKET')?.value, socket);
});
