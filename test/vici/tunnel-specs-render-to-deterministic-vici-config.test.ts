// specToVici is a pure function: the same namespace, name, spec and secrets always give the
// same names and messages (what lets the reconciler diff and re-apply after a restart), and
// each topology users run renders to the strongSwan shape it needs.
import test from 'ava';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { specToVici } from '../../operator/agent/strongswan/render.js';
import { PLANTED_PSKS } from '../helpers/planted-secrets.js';

const siteToSite: IPsecTunnelSpec = {
	local: { address: '192.0.2.1', id: '@gw-a', subnets: ['10.1.0.0/24'] },
	remote: { address: '192.0.2.2', id: '@gw-b', subnets: ['10.2.0.0/24'], protocol: 'tcp', ports: '443' },
	auth: { psk: { secretRef: { name: 's', key: 'psk' } } },
	ike: { proposals: ['aes128-sha256-x25519'], lifetime: '1h30m' },
	esp: { proposals: ['aes128gcm16-x25519', 'aes256-sha256'], lifetime: '20m', lifeBytes: 1_000_000, replayWindow: 128 },
	dpd: { delay: '10s', action: 'restart' },
	natTraversal: 'force',
};

test('site-to-site PSK renders one IKE config, one CHILD config and one owned secret', (t) => {
	const r = specToVici('prod', 'to-b', siteToSite, { psk: PLANTED_PSKS.siteA });
	t.deepEqual(Object.keys(r.conns), ['prod/to-b']);
	t.deepEqual(r.children, ['prod/to-b']);
	t.deepEqual(JSON.parse(JSON.stringify(r.conns['prod/to-b'])), {
		version: 2,
		local_addrs: ['192.0.2.1'],
		remote_addrs: ['192.0.2.2'],
		proposals: ['aes128-sha256-x25519'],
		rekey_time: 5400,
		dpd_delay: 10,
		encap: true,
		// it starts itself, so it keeps trying until the peer answers
		keyingtries: 0,
		local: { auth: 'psk', id: '@gw-a' },
		remote: { auth: 'psk', id: '@gw-b' },
		children: {
			'prod/to-b': {
				mode: 'tunnel',
				local_ts: ['10.1.0.0/24'],
				remote_ts: ['10.2.0.0/24[tcp/443]'],
				esp_proposals: ['aes128gcm16-x25519', 'aes256-sha256'],
				rekey_time: 1200,
				rekey_bytes: 1000000,
				replay_window: 128,
				start_action: 'start',
				dpd_action: 'restart',
				close_action: 'start',
			},
		},
	});
	t.deepEqual(r.shared, [{ id: 'prod/to-b/psk', type: 'IKE', data: PLANTED_PSKS.siteA, owners: ['@gw-a', '@gw-b'] }]);
	t.deepEqual(r.keys, []);
	t.deepEqual(r.pools, {});
});

test('rendering is deterministic: equal input, equal output, independent of call order', (t) => {
	const a = JSON.stringify(specToVici('prod', 'to-b', siteToSite, { psk: 'x' }));
	specToVici('other', 'n', { ...siteToSite, ike: { version: 1 } }, { psk: 'y' });
	t.is(JSON.stringify(specToVici('prod', 'to-b', structuredClone(siteToSite), { psk: 'x' })), a);
});

test('a hub renders one IKE config per spoke with its identity and subnets, sharing one secret', (t) => {
	const r = specToVici('net', 'hub', {
		local: { address: '192.0.2.1', id: '@hub', subnets: ['10.0.0.0/16'] },
		remote: { address: '%any', subnets: ['10.0.0.0/8'] },
		spokes: [
			{ id: '@spoke-1', subnets: ['10.1.0.0/24'] },
			{ id: '@spoke-2', subnets: ['10.2.0.0/24', '10.3.0.0/24'] },
		],
		auth: { psk: { secretRef: { name: 's', key: 'psk' } } },
	}, { psk: 'hub-psk' });
	t.deepEqual(Object.keys(r.conns), ['net/hub/@spoke-1', 'net/hub/@spoke-2']);
	const c2 = r.conns['net/hub/@spoke-2'] as Record<string, any>;
	t.deepEqual(c2['remote_addrs'], ['%any']);
	t.is(c2['unique'], 'replace');
	t.deepEqual(c2['remote'], { auth: 'psk', id: '@spoke-2' });
	t.deepEqual(c2['children']['net/hub/@spoke-2']['remote_ts'], ['10.2.0.0/24', '10.3.0.0/24']);
	t.is(c2['children']['net/hub/@spoke-2']['start_action'], 'none', 'a hub waits for its spokes');
	t.deepEqual(r.shared.map((s) => s.owners), [['@hub', '@spoke-1', '@spoke-2']]);
});

test('a remote-access gateway with certificates renders its pool, CA, key and a per-client selector', (t) => {
	const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
	const ca = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';
	const key = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
	const r = specToVici('ra', 'phones', {
		local: { address: '192.0.2.1', id: 'CN=gw.example.org', subnets: ['10.1.0.0/24'] },
		remote: { address: '%any', subnets: ['10.99.0.0/24'] },
		auth: { x509: { secretName: 'gw-tls' } },
		remoteAccess: { pools: ['10.99.0.0/24'], dns: ['10.1.0.53'] },
	}, { x509: { cert, key, ca } });
	const c = r.conns['ra/phones'] as Record<string, any>;
	t.deepEqual(c['pools'], ['ra/phones']);
	t.deepEqual(r.pools, { 'ra/phones': { addrs: '10.99.0.0/24', dns: ['10.1.0.53'] } });
	t.deepEqual(c['local'], { auth: 'pubkey', certs: [cert], id: 'CN=gw.example.org' });
	t.deepEqual(c['remote'], { auth: 'pubkey', cacerts: [ca] });
	t.deepEqual(r.keys, [{ type: 'any', data: key }]);
	t.deepEqual(r.certs, [{ type: 'x509', flag: 'ca', data: ca }]);
	t.deepEqual(c['children']['ra/phones']['remote_ts'], ['dynamic'], 'narrowed to each client\'s virtual IP');
	t.deepEqual(r.shared, []);
});

test('IKEv1 and the kernel dataplane pass their version and proposals through unchanged', (t) => {
	const r = specToVici('x', 'v1', { ...siteToSite, ike: { version: 1 }, esp: { proposals: ['3des-md5'] }, dataplane: 'kernel' }, { psk: 'p' });
	const c = r.conns['x/v1'] as Record<string, any>;
	t.is(c['version'], 1);
	t.deepEqual(c['children']['x/v1']['esp_proposals'], ['3des-md5']);
});

test('EAP remote access: the gateway proves itself with the certificate in the users Secret, each user is an EAP secret', (t) => {
	const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
	const key = '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n';
	const r = specToVici('ra', 'phones', {
		local: { address: '192.0.2.1', id: 'CN=gw', subnets: ['10.1.0.0/24'] },
		remote: { address: '%any', subnets: ['10.98.0.0/24'] },
		auth: { eap: { method: 'mschapv2', usersSecretRef: { name: 'users' } } },
		remoteAccess: { pools: ['10.98.0.0/24'] },
	}, { eapUsers: { alice: 'pw-a', bob: 'pw-b', 'tls.crt': cert, 'tls.key': key } });
	const c = r.conns['ra/phones'] as Record<string, any>;
	t.deepEqual(c['local'], { auth: 'pubkey', certs: [cert], id: 'CN=gw' });
	t.deepEqual(c['remote'], { auth: 'eap-mschapv2', eap_id: '%any' });
	t.deepEqual(r.keys, [{ type: 'any', data: key }]);
	t.deepEqual(r.shared, [
		{ id: 'ra/phones/eap/alice', type: 'EAP', data: 'pw-a', owners: ['alice'] },
		{ id: 'ra/phones/eap/bob', type: 'EAP', data: 'pw-b', owners: ['bob'] },
	]);
});
