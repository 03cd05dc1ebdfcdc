import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDir } from '../../operator/agent/standalone/config-dir.js';

const tunnel = (name: string, extra = '') => `
apiVersion: esplane.io/v1alpha1
kind: IPsecTunnel
metadata: {name: ${name}}
spec:
  local: {address: 192.0.2.1, subnets: [10.1.0.0/24]}
  remote: {address: 192.0.2.2, subnets: [10.2.0.0/24]}
  auth: {psk: {secretRef: {name: site-psk, key: psk}}}
${extra}`;

test('valid tunnels and secrets load while each bad file or document is reported with its place', t => {
	const dir = mkdtempSync(join(tmpdir(), 'esplane-cfg-'));
	try {
		writeFileSync(join(dir, 'a-site.yaml'), `${tunnel('site-b')}---
apiVersion: v1
kind: Secret
metadata: {name: site-psk}
stringData: {psk: correct-horse}
---
apiVersion: v1
kind: Secret
metadata: {name: other, namespace: edge}
data: {psk: ${Buffer.from('battery-staple').toString('base64')}}
`);
		writeFileSync(join(dir, 'b-broken.yaml'), 'spec: [unclosed');
		writeFileSync(join(dir, 'c-wrong-kind.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
		writeFileSync(join(dir, 'd-duplicate.yml'), tunnel('site-b'));
		writeFileSync(join(dir, 'e-invalid.yaml'), tunnel('bad'));
		writeFileSync(join(dir, 'notes.txt'), 'ignored: not YAML by name');

		const snap = loadConfigDir(dir, tun => (tun.metadata.name === 'bad' ? ['spec.local.subnets[0]: not a CIDR'] : []));

		t.deepEqual(snap.tunnels.map(x => `${x.metadata.namespace}/${x.metadata.name}`), ['default/site-b']);
		t.is(snap.secrets.get('default/site-psk')?.['psk']?.toString(), 'correct-horse');
		t.is(snap.secrets.get('edge/other')?.['psk']?.toString(), 'battery-staple');
		const problems = snap.problems.map(p => `${p.file}#${p.document}: ${p.message}`);
		t.is(problems.length, 4, problems.join('\n'));
		t.regex(problems[0]!, /^b-broken\.yaml#0: not valid YAML/);
		t.regex(problems[1]!, /^c-wrong-kind\.yaml#0: unsupported object apps\/v1\/Deployment/);
		t.regex(problems[2]!, /^d-duplicate\.yml#0: IPsecTunnel default\/site-b is defined twice/);
		t.is(problems[3], 'e-invalid.yaml#0: IPsecTunnel default/bad: spec.local.subnets[0]: not a CIDR');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a missing directory is a reported problem, not an exception', t => {
	const snap = loadConfigDir('/nonexistent/esplane-config', () => []);
	t.is(snap.tunnels.length, 0);
	t.regex(snap.problems[0]?.message ?? '', /cannot read the config directory/);
});
