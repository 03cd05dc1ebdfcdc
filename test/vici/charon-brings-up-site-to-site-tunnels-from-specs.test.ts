// Two charons in namespaces inside one UML guest, each driven by an agent (VICI client +
// reconciler) from an IPsecTunnel spec: IKEv2 with PSK, IKEv2 with X.509 from a CA made
// here, IKEv1 with PSK, IKEv2 over and for IPv6. Each comes up on initiate with the proposals asked for, carries
// traffic, round-trips through list-conns, rekeys, terminates and unloads to nothing.
// Refusals come back as typed errors with charon's errmsg; no log line carries a secret.
// The guest side is site-to-site.guest.ts; this file asserts on what it recorded.
import test from 'ava';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml, type UmlResult } from '../helpers/uml.js';
import { PLANTED_PSKS, allPlantedSecrets } from '../helpers/planted-secrets.js';
import { makeTestCa, type TestCert } from './test-ca.js';
import { secretsInLogs } from './secrets-in-logs.js';
import { scan } from '../../scripts/check-logs.mjs';

let run: UmlResult;
let r: Record<string, any> = {};
let certs: { a: TestCert; b: TestCert };

test.before(async () => {
	const dir = join('/var/tmp', `espvc-ca-${process.pid}`);
	const ca = makeTestCa(dir);
	certs = { a: ca.issue('gw-a.example'), b: ca.issue('gw-b.example') };
	run = await runInUml('export ESPLANE_LOG_AUDIT_DIR=$OUT/logs\nexec node --import tsx test/vici/site-to-site.guest.ts\n', {
		timeoutMs: 90_000,
		env: {
			ESPVC_PSK: PLANTED_PSKS.siteA,
			ESPVC_CA: join(dir, 'ca.pem'),
			ESPVC_A_CERT: join(dir, 'gw-a.example.pem'), ESPVC_A_KEY: join(dir, 'gw-a.example.key'), ESPVC_A_DN: certs.a.dn,
			ESPVC_B_CERT: join(dir, 'gw-b.example.pem'), ESPVC_B_KEY: join(dir, 'gw-b.example.key'), ESPVC_B_DN: certs.b.dn,
		},
	});
	try {
		r = JSON.parse(readFileSync(join(run.outDir, 'results.json'), 'utf8')) as Record<string, any>;
	} catch {
		r = {};
	}
});

test.after.always(() => {
	rmSync(join('/var/tmp', `espvc-ca-${process.pid}`), { recursive: true, force: true });
	if (run && run.exitCode === 0 && r['done'] === true) cleanupUml(run);
});

test('the guest ran every case to the end', (t) => {
	t.is(r['error'], undefined, `${String(r['error'])}\n${run.log.slice(-3000)}`);
	t.is(run.exitCode, 0, run.failure ?? run.log.slice(-3000));
	t.true(r['done']);
	t.is(r['version'], '5.9.8');
});

const cases: Array<[string, string, string, string, string, string[], string[]]> = [
	// name, IKE version, IKE proposal, ESP proposal, auth class, A's and B's subnets
	['psk', '2', 'AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519', 'AES_GCM_16-128', 'pre-shared key', ['10.1.0.0/24'], ['10.2.0.0/24']],
	['x509', '2', 'AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384', 'AES_CBC-256/HMAC_SHA2_256_128', 'public key', ['10.1.0.0/24'], ['10.2.0.0/24']],
	['ikev1', '1', 'AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048', 'AES_CBC-128/HMAC_SHA1_96', 'pre-shared key', ['10.1.0.0/24'], ['10.2.0.0/24']],
	['ipv6', '2', 'AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519', 'AES_GCM_16-256', 'pre-shared key', ['fd00:1::/64'], ['fd00:2::/64']],
];

for (const [name, version, ike, esp, auth, subnetsA, subnetsB] of cases) {
	test(`${name}: both sides load, charon holds exactly what was rendered (round trip through list-conns)`, (t) => {
		t.deepEqual(r[`${name}.getConns`], [[`site/${name}`], [`site/${name}`]]);
		const rt = r[`${name}.roundTrip`] as Array<{ rendered: unknown; listed: { local: { auth: string } } }>;
		t.is(rt?.length, 2);
		for (const side of rt ?? []) {
			t.deepEqual(side.listed, side.rendered);
			t.is(side.listed.local.auth, auth);
		}
		t.deepEqual(r[`${name}.getShared`], auth === 'pre-shared key' ? [[`site/${name}/psk`], [`site/${name}/psk`]] : [[], []]);
	});

	test(`${name}: initiate brings the IKE SA up and the CHILD SA installed with the expected proposals, and traffic flows`, (t) => {
		for (const side of ['sasA', 'sasB']) {
			const sas = r[`${name}.${side}`] as any[];
			t.is(sas?.length, 1, side);
			const sa = sas[0];
			t.is(sa.version, version);
			t.is(sa.state, 'ESTABLISHED');
			t.is(sa.proposal, ike);
			t.is(sa.children.length, 1);
			t.like(sa.children[0], { name: `site/${name}`, state: 'INSTALLED', mode: 'TUNNEL', protocol: 'ESP', proposal: esp });
			t.true(sa.children[0].bytesIn > 0 && sa.children[0].bytesOut > 0, 'ping went through the CHILD SA');
		}
		const [a, b] = [r[`${name}.sasA`][0].children[0], r[`${name}.sasB`][0].children[0]];
		t.is(a.spiIn, b.spiOut);
		t.is(a.spiOut, b.spiIn);
		t.deepEqual(a.localTs, subnetsA);
		t.deepEqual(a.remoteTs, subnetsB);
		t.true(r[`${name}.ping`]);
		t.is(r[`${name}.statsIkeSas`], '1', 'stats counts the one IKE SA');
		t.true(r[`${name}.upMs`] < 5000, `up in ${r[`${name}.upMs`]} ms`);
		t.log(`initiate to CHILD SA up on both sides: ${r[`${name}.upMs`]} ms`);
	});

	const how = name === 'psk' ? 'terminate, then deleting the tunnel' : 'deleting the tunnel while it is up';
	test(`${name}: ${how} leaves no SA, config, secret, key or tunnel policy behind`, (t) => {
		if (name === 'psk') t.deepEqual(r[`${name}.terminate`], { matches: 1, terminated: 1 });
		const after = r[`${name}.after`];
		t.deepEqual(after?.sas, [0, 0]);
		t.deepEqual(after?.conns, [[], []]);
		t.deepEqual(after?.shared, [[], []]);
		t.deepEqual(after?.keys, [0, 0]);
		t.deepEqual(after?.xfrm, [{ states: 0, policies: 0 }, { states: 0, policies: 0 }]);
		t.true((r[`${name}.unloaded`] as string[][]).every((u) => u.includes(`conn site/${name}`)));
	});
}

test('rekey through VICI replaces the CHILD SA (new SPI) and the IKE SA, and traffic still flows', (t) => {
	t.deepEqual(r['rekey.child'], { matches: 1 });
	t.deepEqual(r['rekey.ike'], { matches: 1 });
	t.deepEqual(r['rekey.childEvent'], ['site/psk']);
	const before = r['rekey.before'];
	const after = r['rekey.after'];
	t.not(after.ike, before.ike, 'a new IKE SA');
	const installed = (after.children as Array<{ spiIn: string; state: string }>).filter((c) => c.state === 'INSTALLED');
	t.is(installed.length, 1);
	t.not(installed[0]?.spiIn, before.spiIn, 'a new inbound SPI');
	t.true(r['rekey.ping']);
});

test('charon refusals come back as ViciCommandError with its errmsg, and a bad tunnel does not block a good one', (t) => {
	t.deepEqual(r['refusals.errors'], {
		'site/badproposal': { name: 'ViciCommandError', command: 'load-conn', errmsg: 'invalid value for: esp_proposals, config discarded' },
		'site/badcert': { name: 'ViciCommandError', command: 'load-conn', errmsg: 'invalid value for: certs, config discarded' },
	});
	t.deepEqual(r['refusals.conns'], ['site/good']);
	t.deepEqual(r['refusals.initiate'], { name: 'ViciCommandError', errmsg: "CHILD_SA config 'site/nonexistent' not found" });
	t.deepEqual(r['refusals.peerless'], { name: 'ViciCommandError', errmsg: "establishing CHILD_SA 'site/good' failed" });
	t.is(r['refusals.stillServing'], 'charon');
});

test('events arrive for every state change: up, rekey, down', (t) => {
	const a = r['events']?.a as string[];
	for (const ev of ['ike-updown', 'child-updown', 'ike-rekey', 'child-rekey']) t.true(a?.includes(ev), ev);
	t.deepEqual(r['unknownEvents'], ['alert'], 'charon 5.9.8 predates the alert event; the client says so instead of failing');
});

test('no PSK and no private key appears in any agent or charon log line', (t) => {
	const { hits, lines } = secretsInLogs([join(run.outDir, 'logs'), join(run.outDir, 'work/gwa/charon.log'), join(run.outDir, 'work/gwb/charon.log')], [PLANTED_PSKS.siteA, certs.a.key, certs.b.key]);
	t.deepEqual(hits, []);
	// Our own lines also pass the suite's checker: planted secrets in every encoding,
	// key-looking hex, PEM headers. (Not charon's log: it prints public key ids, 40 hex digits.)
	const suite = scan(join(run.outDir, 'logs'), [...allPlantedSecrets(), PLANTED_PSKS.siteA, certs.a.key, certs.b.key]);
	t.deepEqual(suite.findings.map((f) => `${f.where}: ${f.what}`), []);
	t.true(suite.lines > 20, `scanned ${suite.lines} lines`);
	t.true(lines > 100, `the check read ${lines} lines`);
	const agentLogs = readdirSync(join(run.outDir, 'logs')).map((f) => readFileSync(join(run.outDir, 'logs', f), 'utf8')).join('');
	t.regex(agentLogs, /loaded into charon/, 'the agent did log its work');
});

