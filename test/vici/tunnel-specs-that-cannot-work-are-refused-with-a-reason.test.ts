// A spec esplane cannot hand to charon is refused before anything is loaded, with a
// TunnelSpecError naming the field and the reason — never a crash, and never the secret.
// With the DPDK dataplane every ESP proposal must be one the dataplane implements.
import test from 'ava';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { specToVici, type TunnelSecrets } from '../../operator/agent/strongswan/render.js';
import { TunnelSpecError } from '../../operator/agent/strongswan/spec-error.js';
import { ESP_PROPOSALS } from '../../operator/api/algorithms.js';

const good: IPsecTunnelSpec = {
	local: { address: '192.0.2.1', id: '@a', subnets: ['10.1.0.0/24'] },
	remote: { address: '192.0.2.2', id: '@b', subnets: ['10.2.0.0/24'] },
	auth: { psk: { secretRef: { name: 's', key: 'psk' } } },
};
const secrets: TunnelSecrets = { psk: 'never-in-an-error-9f8e' };

const bad: Array<[string, Partial<IPsecTunnelSpec>, TunnelSecrets, string, RegExp]> = [
	['an ESP proposal the DPDK dataplane lacks', { esp: { proposals: ['aes128gcm16', '3des-md5'] } }, secrets, 'spec.esp.proposals[1]', /DPDK dataplane does not implement '3des-md5'/],
	['an unknown ESP proposal', { esp: { proposals: ['aes128-foo'] } }, secrets, 'spec.esp.proposals[0]', /does not implement 'aes128-foo'/],
	['a proposal that is not one', { esp: { proposals: ['AES 128'] }, dataplane: 'kernel' }, secrets, 'spec.esp.proposals[0]', /is not a proposal/],
	['an identity with white space', { local: { ...good.local, id: 'gw a' } }, secrets, 'spec.local.id', /white space/],
	['an @fqdn with no host', { remote: { ...good.remote, id: '@' } }, secrets, 'spec.remote.id', /names no host/],
	['a broken distinguished name', { remote: { ...good.remote, id: 'CN=gw, O' } }, secrets, 'spec.remote.id', /attribute=value/],
	['a user@ with no domain', { remote: { ...good.remote, id: 'user@' } }, secrets, 'spec.remote.id', /user@domain/],
	['a control character in an identity', { remote: { ...good.remote, id: '@gw\n' } }, secrets, 'spec.remote.id', /control characters/],
	['a missing PSK', {}, {}, 'spec.auth.psk.secretRef', /Secret 's' key 'psk' has no value/],
	['an empty PSK', {}, { psk: '' }, 'spec.auth.psk.secretRef', /has no value/],
	['an X.509 Secret without a key', { auth: { x509: { secretName: 'tls' } } }, { x509: { cert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', key: '' } }, 'spec.auth.x509.secretName', /no PEM private key/],
	['EAP without a gateway certificate', { auth: { eap: { method: 'mschapv2', usersSecretRef: { name: 'users' } } } }, { eapUsers: { alice: 'never-in-an-error-9f8e' } }, 'spec.auth.eap.usersSecretRef', /needs tls.crt and tls.key/],
	['EAP without users', { auth: { eap: { method: 'md5', usersSecretRef: { name: 'users' } } } }, { eapUsers: { 'tls.crt': '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', 'tls.key': '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----' } }, 'spec.auth.eap.usersSecretRef', /has no users/],
	['two auth methods', { auth: { psk: { secretRef: { name: 's', key: 'k' } }, x509: { secretName: 't' } } }, secrets, 'spec.auth', /exactly one/],
	['a subnet that is not a CIDR', { local: { ...good.local, subnets: ['10.1.0.0/33'] } }, secrets, 'spec.local.subnets[0]', /not a CIDR/],
	['spokes without %any', { spokes: [{ id: '@s', subnets: ['10.3.0.0/24'] }] }, secrets, 'spec.spokes', /%any/],
	['duplicate spoke identities', { remote: { ...good.remote, address: '%any' }, spokes: [{ id: '@s', subnets: ['10.3.0.0/24'] }, { id: '@s', subnets: ['10.4.0.0/24'] }] }, secrets, 'spec.spokes', /unique/],
	['a spoke whose config name would exceed 255 bytes', { remote: { ...good.remote, address: '%any' }, spokes: [{ id: `@${'s'.repeat(250)}`, subnets: ['10.3.0.0/24'] }] }, secrets, 'spec.spokes[0].id', /too long/],
	['a lifetime that is not a duration', { esp: { lifetime: 'soon' } }, secrets, 'spec.esp.lifetime', /not a duration/],
];

for (const [title, patch, s, field, reason] of bad) {
	test(`refused: ${title}`, (t) => {
		const e = t.throws(() => specToVici('ns', 'n', { ...good, ...patch }, s), { instanceOf: TunnelSpecError });
		t.is(e?.field, field);
		t.regex(e?.reason ?? '', reason);
		t.false(e?.message.includes('never-in-an-error-9f8e'));
	});
}

test('every proposal in the algorithm table is accepted with the DPDK dataplane, with and without PFS', (t) => {
	for (const p of ESP_PROPOSALS) {
		t.notThrows(() => specToVici('ns', 'n', { ...good, esp: { proposals: [p.keyword, `${p.keyword}-x25519`, `${p.keyword}-ecp256-esn`] } }, secrets), p.keyword);
	}
});

test('the kernel dataplane leaves proposal judgement to charon', (t) => {
	t.notThrows(() => specToVici('ns', 'n', { ...good, dataplane: 'kernel', esp: { proposals: ['aes128-foo'] } }, secrets));
	t.throws(() => specToVici('ns', 'n', { ...good, dataplane: 'kernel', esp: { proposals: ['aes128-foo'] } }, secrets, { dataplane: 'dpdk' }), { instanceOf: TunnelSpecError });
});
