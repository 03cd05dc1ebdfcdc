// validateSpec, the operator's checks beyond the CRD schema, as a table: each bad spec is
// refused with the field it names and a message a person can act on; good specs pass.
import test from 'ava';
import { parseDuration, validateSpec } from '../../operator/api/validate.js';
import { siteToSiteSpec } from './fixtures.js';

const bad: [string, ReturnType<typeof siteToSiteSpec>, string, RegExp][] = [
	['host bits in a subnet', siteToSiteSpec({ local: { address: '192.0.2.1', subnets: ['10.1.0.1/24'] } }), 'spec.local.subnets[0]', /has host bits set; did you mean 10\.1\.0\.0\/24\?/],
	['an octet above 255', siteToSiteSpec({ remote: { address: '198.51.100.2', subnets: ['10.300.0.0/16'] } }), 'spec.remote.subnets[0]', /is not a valid CIDR/],
	['subnets of different families', siteToSiteSpec({ remote: { address: '198.51.100.2', subnets: ['fd00::/64'] } }), 'spec.remote.subnets', /no address family in common/],
	['endpoints of different families', siteToSiteSpec({ remote: { address: '2001:db8::2', subnets: ['10.2.0.0/24'] } }), 'spec.remote.address', /is IPv4 but remote address 2001:db8::2 is IPv6/],
	['a descending port range', siteToSiteSpec({ local: { address: '192.0.2.1', subnets: ['10.1.0.0/24'], protocol: 'tcp', ports: '2000-1000' } }), 'spec.local.ports', /ascending port range/],
	['an unknown algorithm', siteToSiteSpec({ ike: { proposals: ['aes257-sha256-x25519'] } }), 'spec.ike.proposals[0]', /unknown algorithm "aes257"/],
	['an IKE proposal without DH group', siteToSiteSpec({ ike: { proposals: ['aes256-sha256'] } }), 'spec.ike.proposals[0]', /no key-exchange \(DH\) group/],
	['a CBC cipher without integrity', siteToSiteSpec({ esp: { proposals: ['aes256'] } }), 'spec.esp.proposals[0]', /needs an integrity algorithm/],
	['a too short lifetime', siteToSiteSpec({ esp: { lifetime: '10s' } }), 'spec.esp.lifetime', /below the 1m minimum/],
	['a CEL rule (two auth methods), for objects that bypassed CEL', siteToSiteSpec({ auth: { psk: { secretRef: { name: 'a', key: 'k' } }, x509: { secretName: 'c' } } }), 'spec.auth', /exactly one of psk, x509 or eap/],
];

for (const [name, spec, field, message] of bad) {
	test(`the operator refuses ${name}, naming ${field}`, (t) => {
		const problems = validateSpec(spec);
		const hit = problems.find((p) => p.field === field);
		t.truthy(hit, JSON.stringify(problems));
		t.regex(hit?.message ?? '', message);
	});
}

test('a malformed object (no CRD schema in front of it) gets problems, not a TypeError', (t) => {
	t.deepEqual(validateSpec(undefined as never), [{ field: 'spec', message: 'Required value' }]);
	t.deepEqual(validateSpec({ local: { subnets: '10.0.0.0/8' }, remote: {} } as never).map((p) => p.field), ['spec.local.subnets', 'spec.remote.subnets', 'spec.auth']);
});

test('good specs pass: IPv4, IPv6, AEAD ESP, classic IKE proposals', (t) => {
	t.deepEqual(validateSpec(siteToSiteSpec({ ike: { proposals: ['aes256-sha256-x25519', 'aes128-sha1-modp2048'] }, esp: { proposals: ['aes128gcm16-x25519', 'aes256-sha256'], lifetime: '1h30m' } })), []);
	t.deepEqual(validateSpec(siteToSiteSpec({ local: { address: '2001:db8::1', subnets: ['fd00:1::/64'] }, remote: { address: '2001:db8::2', subnets: ['fd00:2::/64'] } })), []);
});

test('durations parse as strongSwan and Kubernetes users write them', (t) => {
	t.is(parseDuration('1h30m'), 5_400_000);
	t.is(parseDuration('500ms'), 500);
	t.is(parseDuration('4h'), 14_400_000);
	t.is(parseDuration('soon'), undefined);
	t.is(parseDuration('5m junk'), undefined);
});
