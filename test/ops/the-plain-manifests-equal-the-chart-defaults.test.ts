// manifests/ is the chart rendered with its default values (plus the chart's Namespace), so
// `kubectl apply -f manifests/` installs exactly what `helm install` with defaults does.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFESTS_DIR, generateManifests } from './generate-manifests.js';
import { parseDocs, render } from './helm.js';

const REGENERATE = 'regenerate with: node --import tsx test/ops/generate-manifests.ts';


test('every file in manifests/ equals the chart rendered with its defaults, and nothing else is there', (t) => {
	const expected = generateManifests();
	const onDisk = readdirSync(MANIFESTS_DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
	t.deepEqual(onDisk, [...expected.keys()].sort(), REGENERATE);
	for (const [name, text] of expected) {
		t.is(readFileSync(join(MANIFESTS_DIR, name), 'utf8'), text, `manifests/${name} is stale; ${REGENERATE}`);
	}
});

test('the manifests hold the CRD, the namespace first, the operator and the agent', (t) => {
	const files = readdirSync(MANIFESTS_DIR).filter((f) => f.endsWith('.yaml')).sort();
	const objs = files.flatMap((f) => parseDocs(readFileSync(join(MANIFESTS_DIR, f), 'utf8')));
	t.is(objs[0]?.kind, 'Namespace');
	t.is(objs[0]?.metadata.name, 'esplane-system');
	t.is(objs[1]?.kind, 'CustomResourceDefinition', 'CRDs before the objects that use them');
	const names = objs.map((o) => `${o.kind}/${o.metadata.name}`);
	for (const n of ['CustomResourceDefinition/ipsectunnels.esplane.io', 'Deployment/esplane-operator', 'DaemonSet/esplane-agent']) {
		t.true(names.includes(n), n);
	}
	t.is(objs.length, render().length + 1);
});
