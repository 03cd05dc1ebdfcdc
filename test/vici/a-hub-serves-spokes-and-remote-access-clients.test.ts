// One hub charon serves three tunnels rendered from specs: a hub-and-spoke tunnel (remote
// %any, one IKE config per spoke identity and subnets, like a Libreswan right=%any hub)
// and two remote-access tunnels that hand virtual IPs out of pools — one for clients with
// certificates, one for EAP-MSCHAPv2 users. Two spokes start their tunnels on load; a
// road-warrior charon (certificate) and a phone stand-in (user name and password) each get
// an address from their pool and reach a host on the hub's LAN.
// The guest side is hub-and-remote-access.guest.ts.
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml, type UmlResult } from '../helpers/uml.js';
import { PLANTED_PSKS, allPlantedSecrets } from '../helpers/planted-secrets.js';
import { makeTestCa, type TestCert } from './test-ca.js';
import { secretsInLogs } from './secrets-in-logs.js';
import { scan } from '../../scripts/check-logs.mjs';

const EAP_PASSWORD = 'esplane-planted-eap-password-Qr4s';
let run: UmlResult;
let r: Record<string, any> = {};
let certs: { hub: TestCert; rw: TestCert };
const caDir = join('/var/tmp', `espvc-ca-${process.pid}`);

test.before(async () => {
	const ca = makeTestCa(caDir);
	certs = { hub: ca.issue('hub.example'), rw: ca.issue('rw.example') };
	run = await runInUml('export ESPLANE_LOG_AUDIT_DIR=$OUT/logs\nexec node --import tsx test/vici/hub-and-remote-access.guest.ts\n', {
		timeoutMs: 90_000,
		env: {
			ESPVC_PSK: PLANTED_PSKS.roadWarrior,
			ESPVC_EAP_PASSWORD: EAP_PASSWORD,
			ESPVC_CA: join(caDir, 'ca.pem'),
			ESPVC_HUB_CERT: join(caDir, 'hub.example.pem'), ESPVC_HUB_KEY: join(caDir, 'hub.example.key'), ESPVC_HUB_DN: certs.hub.dn,
			ESPVC_RW_CERT: join(caDir, 'rw.example.pem'), ESPVC_RW_KEY: join(caDir, 'rw.example.key'), ESPVC_RW_DN: certs.rw.dn,
		},
	});
	try {
		r = JSON.parse(readFileSync(join(run.outDir, 'results.json'), 'utf8')) as Record<string, any>;
	} catch {
		r = {};
	}
});

test.after.always(() => {
	rmSync(caDir, { recursive: true, force: true });
	if (run && run.exitCode === 0 && r['done'] === true) cleanupUml(run);
});

test('the hub loads all three tunnels: one IKE config per spoke, one per remote-access tunnel, and their pools', (t) => {
	t.is(r['error'], undefined, `${String(r['error'])}\n${run.log.slice(-3000)}`);
	t.true(r['done']);
	t.deepEqual(r['hub.errors'], []);
	t.deepEqual(r['hub.conns'], ['net/hub/@spoke-1', 'net/hub/@spoke-2', 'net/phones', 'net/ra']);
	t.deepEqual([...(r['hub.pools'] as string[])].sort(), ['net/phones', 'net/ra']);
});

test('every IKE config on the hub round-trips: what charon lists is what was rendered', (t) => {
	const rt = (r['hub.roundTrip'] ?? {}) as Record<string, { rendered: any; listed: any }>;
	t.deepEqual(Object.keys(rt).sort(), ['net/hub/@spoke-1', 'net/hub/@spoke-2', 'net/phones', 'net/ra']);
	for (const [name, { rendered, listed }] of Object.entries(rt)) t.deepEqual(listed, rendered, name);
	t.is(rt['net/phones']?.listed.remote.auth, 'EAP');
	t.deepEqual(rt['net/ra']?.listed.children['net/ra'].remoteTs, ['dynamic']);
});

test('each spoke is matched to its own hub config by identity, with its own subnets, and reaches the hub LAN', (t) => {
	const hubSas = (r['hub.sas'] ?? []) as any[];
	for (const n of [1, 2]) {
		const sa = hubSas.find((s) => s.name === `net/hub/@spoke-${n}`);
		t.truthy(sa, `spoke ${n} on the hub`);
		t.is(sa?.state, 'ESTABLISHED');
		t.is(sa?.remoteId, `spoke-${n}`);
		t.like(sa?.children?.[0], { state: 'INSTALLED', proposal: 'AES_GCM_16-128', localTs: ['10.0.0.0/24'], remoteTs: [`10.${n}.0.0/24`] });
		const spoke = r['spokes.sas']?.[n - 1]?.[0];
		t.like(spoke, { name: 'net/to-hub', state: 'ESTABLISHED', remoteId: 'hub' });
	}
	t.deepEqual(r['spokes.ping'], [true, true]);
	t.log(`both spokes up ${r['spokes.upMs']} ms after their configs were loaded`);
});

test('a remote-access client gets a virtual IP from the pool and reaches a host on the hub LAN', (t) => {
	t.is(r['rw.vip'], '10.99.0.1');
	const lease = r['hub.leases']?.['net/ra'];
	t.like(lease, { base: '10.99.0.0', online: '1' });
	t.like(lease?.leases?.['0'], { address: '10.99.0.1', identity: certs.rw.dn, status: 'online' });
	const sa = ((r['hub.sas'] ?? []) as any[]).find((s) => s.name === 'net/ra');
	t.deepEqual(sa?.remoteVips, ['10.99.0.1']);
	t.like(sa?.children?.[0], { state: 'INSTALLED', proposal: 'AES_GCM_16-256', localTs: ['10.0.0.0/24'], remoteTs: ['10.99.0.1/32'] });
	t.deepEqual(r['rw.sas']?.[0]?.children?.[0]?.localTs, ['10.99.0.1/32']);
	t.true(r['rw.ping']);
});

test('a phone authenticating with EAP-MSCHAPv2 gets a virtual IP from its own pool and reaches the hub LAN', (t) => {
	t.is(r['phone.vip'], '10.98.0.1');
	const lease = r['hub.leases']?.['net/phones'];
	t.like(lease, { base: '10.98.0.0', online: '1' });
	t.like(lease?.leases?.['0'], { address: '10.98.0.1', identity: 'alice', status: 'online' });
	const sa = ((r['hub.sas'] ?? []) as any[]).find((s) => s.name === 'net/phones');
	t.is(sa?.remoteId, 'alice', 'the EAP identity');
	t.deepEqual(sa?.remoteVips, ['10.98.0.1']);
	t.like(sa?.children?.[0], { state: 'INSTALLED', proposal: 'AES_GCM_16-128', remoteTs: ['10.98.0.1/32'] });
	t.is(r['phone.sas']?.[0]?.remoteId, certs.hub.dn, 'the phone verified the hub certificate');
	t.true(r['phone.ping']);
});

test('no PSK, EAP password or private key appears in any agent or charon log line', (t) => {
	const logs = [join(run.outDir, 'logs'), ...['hub', 'sp1', 'sp2', 'rw', 'phone'].map((n) => join(run.outDir, `work/${n}/charon.log`))];
	const { hits, lines } = secretsInLogs(logs, [PLANTED_PSKS.roadWarrior, EAP_PASSWORD, certs.hub.key, certs.rw.key]);
	t.deepEqual(hits, []);
	// Our own lines also pass the suite's checker: planted secrets in every encoding,
	// key-looking hex, PEM headers. (Not charon's log: it prints public key ids, 40 hex digits.)
	const suite = scan(join(run.outDir, 'logs'), [...allPlantedSecrets(), PLANTED_PSKS.roadWarrior, EAP_PASSWORD, certs.hub.key, certs.rw.key]);
	t.deepEqual(suite.findings.map((f) => `${f.where}: ${f.what}`), []);
	t.true(suite.lines > 20, `scanned ${suite.lines} lines`);
	t.true(lines > 50, `the check read ${lines} lines`);
});
