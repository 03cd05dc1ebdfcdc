// Guest side of a-hub-serves-spokes-and-remote-access-clients.test.ts.
//
//                       espvc-hublan 10.0.0.10
//                             │
//                 espvc-hub 10.0.0.1 | 198.51.103.1   (charon: hub tunnel with 2 spokes,
//                             │                         remote-access tunnel with a pool)
//   espvc-sp1 ─────────── espvc-wan (router) ─────────── espvc-sp2
//   198.51.100.1, LAN 10.1.0.1 │                         198.51.101.1, LAN 10.2.0.1
//                             │
//                 espvc-rw 198.51.102.1  (a road warrior: charon asking for a virtual IP,
//                             │                  authenticating with a certificate)
//                 espvc-phone 198.51.104.1  (a phone: EAP-MSCHAPv2 user name and password)
//
// The hub's three tunnels and the spokes' tunnels are rendered from IPsecTunnel specs. The
// road warrior and the phone stand in for native IKEv2 clients — charons configured
// directly over VICI, since esplane does not deploy clients.
import { readFileSync } from 'node:fs';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { summarizeListed, summarizeRendered } from '../../operator/agent/strongswan/observe.js';
import { specToVici } from '../../operator/agent/strongswan/render.js';
import * as vici from '../../operator/vici/commands.js';
import { ipBatch, startCharon } from '../helpers/charon.js';
import { Results, WORK, isUp, ping, saFacts, startAgent, waitEvent } from './guest-kit.js';

const r = new Results();
const env = (k: string): string => process.env[k] ?? '';
const PSK = env('ESPVC_PSK');
const pem = (k: string): string => readFileSync(env(k), 'utf8');
const ca = pem('ESPVC_CA');

const nss = ['wan', 'hub', 'hublan', 'sp1', 'sp2', 'rw', 'phone'];
ipBatch([
	...nss.map((n) => `netns add espvc-${n}`),
	'link add w-hub netns espvc-wan type veth peer name wan netns espvc-hub',
	'link add w-sp1 netns espvc-wan type veth peer name wan netns espvc-sp1',
	'link add w-sp2 netns espvc-wan type veth peer name wan netns espvc-sp2',
	'link add w-rw netns espvc-wan type veth peer name wan netns espvc-rw',
	'link add w-phone netns espvc-wan type veth peer name wan netns espvc-phone',
	'link add lan netns espvc-hub type veth peer name eth0 netns espvc-hublan',
	...['w-hub', 'w-sp1', 'w-sp2', 'w-rw', 'w-phone', 'lo'].map((d) => `-n espvc-wan link set ${d} up`),
	'-n espvc-wan addr add 198.51.104.254/24 dev w-phone',
	'-n espvc-wan addr add 198.51.103.254/24 dev w-hub', '-n espvc-wan addr add 198.51.100.254/24 dev w-sp1',
	'-n espvc-wan addr add 198.51.101.254/24 dev w-sp2', '-n espvc-wan addr add 198.51.102.254/24 dev w-rw',
	'-n espvc-hub link set wan up', '-n espvc-hub link set lan up', '-n espvc-hub link set lo up',
	'-n espvc-hub addr add 198.51.103.1/24 dev wan', '-n espvc-hub addr add 10.0.0.1/24 dev lan', '-n espvc-hub route add default via 198.51.103.254',
	'-n espvc-hublan link set eth0 up', '-n espvc-hublan link set lo up', '-n espvc-hublan addr add 10.0.0.10/24 dev eth0', '-n espvc-hublan route add default via 10.0.0.1',
	'-n espvc-sp1 link set wan up', '-n espvc-sp1 link set lo up', '-n espvc-sp1 addr add 198.51.100.1/24 dev wan', '-n espvc-sp1 addr add 10.1.0.1/32 dev lo', '-n espvc-sp1 route add default via 198.51.100.254',
	'-n espvc-sp2 link set wan up', '-n espvc-sp2 link set lo up', '-n espvc-sp2 addr add 198.51.101.1/24 dev wan', '-n espvc-sp2 addr add 10.2.0.1/32 dev lo', '-n espvc-sp2 route add default via 198.51.101.254',
	'-n espvc-rw link set wan up', '-n espvc-rw link set lo up', '-n espvc-rw addr add 198.51.102.1/24 dev wan', '-n espvc-rw route add default via 198.51.102.254',
	'-n espvc-phone link set wan up', '-n espvc-phone link set lo up', '-n espvc-phone addr add 198.51.104.1/24 dev wan', '-n espvc-phone route add default via 198.51.104.254',
]);

const names = ['hub', 'sp1', 'sp2', 'rw', 'phone'] as const;
const charons = await Promise.all(names.map((n) => startCharon({ ns: `espvc-${n}`, dir: `${WORK}/${n}` })));
const agents = await Promise.all(charons.map((c, i) => startAgent(names[i] as string, c.vici)));
const [hub, sp1, sp2, rw, phone] = agents as [typeof agents[0], typeof agents[0], typeof agents[0], typeof agents[0], typeof agents[0]];

const psk = { psk: { secretRef: { name: 'hub', key: 'psk' } } };
const hubSpec: IPsecTunnelSpec = {
	local: { address: '198.51.103.1', id: '@hub', subnets: ['10.0.0.0/24'] },
	remote: { address: '%any', subnets: ['10.0.0.0/8'] },
	spokes: [
		{ id: '@spoke-1', subnets: ['10.1.0.0/24'] },
		{ id: '@spoke-2', subnets: ['10.2.0.0/24'] },
	],
	auth: psk,
	esp: { proposals: ['aes128gcm16'] },
};
const raSpec: IPsecTunnelSpec = {
	local: { address: '198.51.103.1', id: env('ESPVC_HUB_DN'), subnets: ['10.0.0.0/24'] },
	remote: { address: '%any', subnets: ['10.99.0.0/24'] },
	auth: { x509: { secretName: 'hub-tls' } },
	esp: { proposals: ['aes256gcm16'] },
	remoteAccess: { pools: ['10.99.0.0/28'], dns: ['10.0.0.53'] },
};
const phonesSpec: IPsecTunnelSpec = {
	local: { address: '198.51.103.1', id: env('ESPVC_HUB_DN'), subnets: ['10.0.0.0/24'] },
	remote: { address: '%any', subnets: ['10.98.0.0/24'] },
	auth: { eap: { method: 'mschapv2', usersSecretRef: { name: 'phone-users' } } },
	esp: { proposals: ['aes128gcm16'] },
	remoteAccess: { pools: ['10.98.0.0/28'] },
};
const spokeSpec = (n: 1 | 2): IPsecTunnelSpec => ({
	local: { address: `198.51.${99 + n}.1`, id: `@spoke-${n}`, subnets: [`10.${n}.0.0/24`] },
	remote: { address: '198.51.103.1', id: '@hub', subnets: ['10.0.0.0/24'] },
	auth: psk,
	esp: { proposals: ['aes128gcm16'] },
	startAction: 'start',
});

try {
	hub.reconciler.set('net/hub', specToVici('net', 'hub', hubSpec, { psk: PSK }));
	hub.reconciler.set('net/ra', specToVici('net', 'ra', raSpec, { x509: { cert: pem('ESPVC_HUB_CERT'), key: pem('ESPVC_HUB_KEY'), ca } }));
	hub.reconciler.set('net/phones', specToVici('net', 'phones', phonesSpec, {
		eapUsers: { alice: env('ESPVC_EAP_PASSWORD'), bob: 'another-password', 'tls.crt': pem('ESPVC_HUB_CERT'), 'tls.key': pem('ESPVC_HUB_KEY') },
	}));
	const hubRep = await hub.reconciler.reconcile();
	r.set('hub.errors', [...hubRep.errors.keys()]);
	r.set('hub.conns', (await vici.getConns(hub.client)).sort());
	r.set('hub.pools', Object.keys(await vici.getPools(hub.client)));
	// Round trip: every IKE config the hub holds is the one rendered for it.
	const listed = await vici.listConns(hub.client);
	const rendered = {
		...specToVici('net', 'hub', hubSpec, { psk: PSK }).conns,
		...specToVici('net', 'ra', raSpec, { x509: { cert: pem('ESPVC_HUB_CERT'), key: pem('ESPVC_HUB_KEY'), ca } }).conns,
		...specToVici('net', 'phones', phonesSpec, { eapUsers: { alice: 'x', 'tls.crt': pem('ESPVC_HUB_CERT'), 'tls.key': pem('ESPVC_HUB_KEY') } }).conns,
	};
	r.set('hub.roundTrip', Object.fromEntries(Object.entries(rendered).map(([n, c]) => [n, { rendered: summarizeRendered(c), listed: summarizeListed(listed[n] ?? {}) }])));

	// ---- two spokes start their tunnels to the hub on load
	const upAt = Date.now();
	const spokesUp = Promise.all([sp1, sp2].map((s) => waitEvent(s, 'child-updown', isUp)));
	sp1.reconciler.set('net/to-hub', specToVici('net', 'to-hub', spokeSpec(1), { psk: PSK }));
	sp2.reconciler.set('net/to-hub', specToVici('net', 'to-hub', spokeSpec(2), { psk: PSK }));
	await Promise.all([sp1.reconciler.reconcile(), sp2.reconciler.reconcile()]);
	await spokesUp;
	r.set('spokes.upMs', Date.now() - upAt);
	r.set('spokes.ping', [ping('espvc-sp1', '10.0.0.10', { source: '10.1.0.1' }), ping('espvc-sp2', '10.0.0.10', { source: '10.2.0.1' })]);
	r.set('spokes.sas', [saFacts(await vici.listSas(sp1.client)), saFacts(await vici.listSas(sp2.client))]);

	// ---- the road warrior asks for a virtual IP and authenticates with its certificate
	await vici.loadKey(rw.client, { type: 'any', data: pem('ESPVC_RW_KEY') });
	await vici.loadConn(rw.client, 'rw', {
		version: 2,
		remote_addrs: ['198.51.103.1'],
		vips: ['0.0.0.0'],
		local: { auth: 'pubkey', certs: [pem('ESPVC_RW_CERT')], id: env('ESPVC_RW_DN') },
		remote: { auth: 'pubkey', id: env('ESPVC_HUB_DN'), cacerts: [ca] },
		children: { rw: { remote_ts: ['10.0.0.0/24'], esp_proposals: ['aes256gcm16'], start_action: 'none' } },
	});
	const rwUp = waitEvent(rw, 'child-updown', isUp);
	await vici.initiate(rw.client, { child: 'rw' });
	await rwUp;
	const rwSas = await vici.listSas(rw.client);
	r.set('rw.sas', saFacts(rwSas));
	const vip = rwSas[0]?.localVips[0] ?? '';
	r.set('rw.vip', vip);
	r.set('rw.ping', ping('espvc-rw', '10.0.0.10', { source: vip }));

	// ---- the phone: EAP-MSCHAPv2 with a user name and password, verifies the hub's certificate
	await vici.loadShared(phone.client, { id: 'alice', type: 'EAP', data: env('ESPVC_EAP_PASSWORD'), owners: ['alice'] });
	await vici.loadConn(phone.client, 'phone', {
		version: 2,
		remote_addrs: ['198.51.103.1'],
		vips: ['0.0.0.0'],
		local: { auth: 'eap-mschapv2', id: 'alice', eap_id: 'alice' },
		remote: { auth: 'pubkey', id: env('ESPVC_HUB_DN'), cacerts: [ca] },
		children: { phone: { remote_ts: ['10.0.0.0/24'], esp_proposals: ['aes128gcm16'], start_action: 'none' } },
	});
	const phoneUp = waitEvent(phone, 'child-updown', isUp);
	await vici.initiate(phone.client, { child: 'phone' });
	await phoneUp;
	const phoneSas = await vici.listSas(phone.client);
	r.set('phone.sas', saFacts(phoneSas));
	const phoneVip = phoneSas[0]?.localVips[0] ?? '';
	r.set('phone.vip', phoneVip);
	r.set('phone.ping', ping('espvc-phone', '10.0.0.10', { source: phoneVip }));

	r.set('hub.leases', await vici.getPools(hub.client, { leases: true }));

	r.set('hub.sas', saFacts(await vici.listSas(hub.client)));
	r.set('done', true);
} catch (e) {
	r.set('error', String((e as Error).stack ?? e));
} finally {
	for (const ag of agents) {
		ag.reconciler.stop();
		ag.client.close();
	}
	await Promise.all(charons.map((c) => c.stop()));
	ipBatch(nss.map((n) => `netns del espvc-${n}`));
}
