// Sample objects through the committed CRD file's schema plus the CEL rules' twins — the same
// check the API-server test double applies before answering 422.
import test from 'ava';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { CrdValidator } from '../helpers/apiserver/crd-validation.js';
import { siteToSiteSpec, tunnel } from './fixtures.js';

const validator = new CrdValidator(repoRoot);
const check = (spec: unknown) => validator.check(JSON.parse(JSON.stringify({ ...tunnel('t'), spec })));

const valid: [string, unknown][] = [
	['a site-to-site PSK tunnel', siteToSiteSpec()],
	['an IPv6 tunnel with X.509', siteToSiteSpec({ local: { address: '2001:db8::1', subnets: ['fd00:1::/64'] }, remote: { address: 'gw.example.net', subnets: ['fd00:2::/64'] }, auth: { x509: { secretName: 'gw-cert' } } })],
	['a hub with spokes', siteToSiteSpec({ remote: { address: '%any', subnets: ['10.9.0.0/16'] }, spokes: [{ id: '@spoke1', subnets: ['10.9.1.0/24'] }] })],
	['a remote-access hub with EAP', siteToSiteSpec({ remote: { address: '%any', subnets: ['0.0.0.0/0'] }, auth: { eap: { method: 'mschapv2', usersSecretRef: { name: 'users' } } }, remoteAccess: { pools: ['10.77.0.0/24'], dns: ['10.1.0.53'] } })],
	['everything set', siteToSiteSpec({ ike: { version: 2, proposals: ['aes256-sha256-x25519'], lifetime: '4h' }, esp: { proposals: ['aes128gcm16-x25519'], lifetime: '1h', lifeBytes: 1e9, replayWindow: 1024 }, dpd: { delay: '10s', action: 'clear' }, natTraversal: 'force', startAction: 'trap', mtu: 1400, mssClamp: 1360, gateway: { nodeSelector: { 'esplane.io/gateway': 'true' } }, dataplane: 'kernel' })],
];

const invalid: [string, unknown, string][] = [
	['a subnet that is no CIDR', siteToSiteSpec({ local: { address: '192.0.2.1', subnets: ['10.1.0.0/33'] } }), 'spec.local.subnets[0]'],
	['an address that is neither IP nor name', siteToSiteSpec({ remote: { address: 'not an address!', subnets: ['10.2.0.0/24'] } }), 'spec.remote.address'],
	['an unknown NAT-T mode', siteToSiteSpec({ natTraversal: 'sometimes' as never }), 'spec.natTraversal'],
	['IKE version 3', siteToSiteSpec({ ike: { version: 3 as never } }), 'spec.ike.version'],
	['a lifetime that is no duration', siteToSiteSpec({ esp: { lifetime: 'soon' } }), 'spec.esp.lifetime'],
	['no auth method', siteToSiteSpec({ auth: {} }), 'spec.auth'],
	['two auth methods', siteToSiteSpec({ auth: { psk: { secretRef: { name: 'a', key: 'k' } }, x509: { secretName: 'c' } } }), 'spec.auth'],
	['a PSK ref without key', siteToSiteSpec({ auth: { psk: { secretRef: { name: 'a' } as never } } }), 'spec.auth.psk.secretRef.key'],
	['no remote', { local: { subnets: ['10.1.0.0/24'] }, auth: { x509: { secretName: 'c' } } }, 'spec.remote'],
	['spokes without %any', siteToSiteSpec({ spokes: [{ id: '@s', subnets: ['10.9.1.0/24'] }] }), 'spec.spokes'],
	['ports without protocol', siteToSiteSpec({ local: { address: '192.0.2.1', subnets: ['10.1.0.0/24'], ports: '443' } }), 'spec.local.ports'],
	['an MSS clamp above mtu - 40', siteToSiteSpec({ mtu: 1400, mssClamp: 1380 }), 'spec.mssClamp'],
	['an MSS clamp below TCP\'s minimum of 88', siteToSiteSpec({ mssClamp: 40 }), 'spec.mssClamp'],
	['local %any', siteToSiteSpec({ local: { address: '%any', subnets: ['10.1.0.0/24'] } }), 'spec.local.address'],
];

for (const [name, spec] of valid) {
	test(`the schema accepts ${name}`, (t) => {
		t.deepEqual(check(spec), []);
	});
}

for (const [name, spec, field] of invalid) {
	test(`the schema rejects ${name}, naming ${field}`, (t) => {
		const causes = check(spec);
		t.true(causes.length > 0);
		t.true(causes.some((c) => c.field === field), JSON.stringify(causes));
		t.true(causes.every((c) => c.message.startsWith(c.field)));
	});
}

test('the schema fills in defaults and prunes unknown fields, as the API server does', (t) => {
	const body = JSON.parse(JSON.stringify({ ...tunnel('t'), spec: { ...siteToSiteSpec(), ike: {}, colour: 'blue' } }));
	t.deepEqual(validator.check(body), []);
	t.is(body.spec.natTraversal, 'auto');
	t.is(body.spec.ike.version, 2);
	t.false('colour' in body.spec);
});
