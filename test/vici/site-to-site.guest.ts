// Guest side of charon-brings-up-site-to-site-tunnels-from-specs.test.ts (runs inside UML).
//
//   espvc-lana ─ espvc-gwa ══════ wan ══════ espvc-gwb ─ espvc-lanb   (guest-kit siteTopology)
//   10.1.0.10    10.1.0.1 | 192.0.2.1   192.0.2.2 | 10.2.0.1    10.2.0.10
//                charon A + agent A         charon B + agent B
//
// Both agents render their side from an IPsecTunnel spec and load it through the
// reconciler; agent A initiates. One case after the other on the same two charons:
// IKEv2 PSK (+ rekey, terminate, unload), IKEv2 X.509, IKEv1 PSK, then refusals.
import { readFileSync } from 'node:fs';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { specToVici, type TunnelSecrets } from '../../operator/agent/strongswan/render.js';
import { summarizeListed, summarizeRendered } from '../../operator/agent/strongswan/observe.js';
import * as vici from '../../operator/vici/commands.js';
import { isViciCommandError } from '../../operator/vici/errors.js';
import { startCharon } from '../helpers/charon.js';
import { type Agent, Results, WORK, isDown, isUp, ping, saFacts, siteTopology, sleep, startAgent, waitEvent, xfrmCounts } from './guest-kit.js';

const r = new Results();
const env = (k: string): string => process.env[k] ?? '';
const PSK = env('ESPVC_PSK');
const ca = readFileSync(env('ESPVC_CA'), 'utf8');
const certA = { cert: readFileSync(env('ESPVC_A_CERT'), 'utf8'), key: readFileSync(env('ESPVC_A_KEY'), 'utf8'), ca };
const certB = { cert: readFileSync(env('ESPVC_B_CERT'), 'utf8'), key: readFileSync(env('ESPVC_B_KEY'), 'utf8'), ca };

const topo = siteTopology();
r.set('cleartextBeforeTunnel', ping('espvc-lana', '10.2.0.10', { count: 1 }));

const [charonA, charonB] = await Promise.all([startCharon({ ns: 'espvc-gwa', dir: `${WORK}/gwa` }), startCharon({ ns: 'espvc-gwb', dir: `${WORK}/gwb` })]);
const [a, b] = await Promise.all([startAgent('a', charonA.vici), startAgent('b', charonB.vici)]);
r.set('version', (await vici.version(a.client)).version);
r.set('unknownEvents', a.unknownEvents);

function sides(ids: [string, string], extra: Partial<IPsecTunnelSpec>, family: 4 | 6 = 4): [IPsecTunnelSpec, IPsecTunnelSpec] {
	const A = family === 4 ? { address: '192.0.2.1', id: ids[0], subnets: ['10.1.0.0/24'] } : { address: '2001:db8::1', id: ids[0], subnets: ['fd00:1::/64'] };
	const B = family === 4 ? { address: '192.0.2.2', id: ids[1], subnets: ['10.2.0.0/24'] } : { address: '2001:db8::2', id: ids[1], subnets: ['fd00:2::/64'] };
	const auth = { psk: { secretRef: { name: 'site', key: 'psk' } } };
	return [
		{ local: A, remote: B, auth, startAction: 'add', ...extra },
		{ local: B, remote: A, auth, startAction: 'add', ...extra },
	];
}

async function load(agent: Agent, name: string, spec: IPsecTunnelSpec, secrets: TunnelSecrets): Promise<string[]> {
	agent.reconciler.set(`site/${name}`, specToVici('site', name, spec, secrets));
	const rep = await agent.reconciler.reconcile();
	for (const [k, e] of rep.errors) throw new Error(`${agent.name} ${k}: ${e.message}`);
	return rep.loaded;
}

/** Load both sides, initiate from A, record what both charons report. */
async function bringUp(name: string, specs: [IPsecTunnelSpec, IPsecTunnelSpec], secrets: [TunnelSecrets, TunnelSecrets], target = '10.2.0.10'): Promise<void> {
	const child = `site/${name}`;
	r.set(`${name}.loaded`, [await load(a, name, specs[0], secrets[0]), await load(b, name, specs[1], secrets[1])]);
	r.set(`${name}.getConns`, [await vici.getConns(a.client), await vici.getConns(b.client)]);
	r.set(`${name}.getShared`, [await vici.getShared(a.client), await vici.getShared(b.client)]);
	// Round trip: what was rendered and what charon holds reduce to the same summary.
	const listed = [await vici.listConns(a.client), await vici.listConns(b.client)];
	r.set(`${name}.roundTrip`, [0, 1].map((i) => ({
		rendered: summarizeRendered(specToVici('site', name, specs[i] as IPsecTunnelSpec, secrets[i] as TunnelSecrets).conns[child] ?? {}),
		listed: summarizeListed(listed[i]?.[child] ?? {}),
	})));
	const t0 = Date.now();
	const upA = waitEvent(a, 'child-updown', (m) => isUp(m) && child in m);
	const upB = waitEvent(b, 'child-updown', (m) => isUp(m) && child in m);
	await vici.initiate(a.client, { child });
	await Promise.all([upA, upB]);
	r.set(`${name}.upMs`, Date.now() - t0);
	const st = await vici.stats(a.client);
	r.set(`${name}.statsIkeSas`, (st['ikesas'] as Record<string, string> | undefined)?.['total']);
	r.set(`${name}.ping`, ping('espvc-lana', target));
	r.set(`${name}.sasA`, saFacts(await vici.listSas(a.client, { ike: child })));
	r.set(`${name}.sasB`, saFacts(await vici.listSas(b.client, { ike: child })));
}

/**
 * Take the tunnel down, record what is left. With `terminate`, A terminates the IKE SA first
 * and both sides then unload; without, the tunnel is simply deleted from both agents while
 * up (what happens when a user deletes the IPsecTunnel) and the unload must end the SAs.
 */
async function tearDown(name: string, how: 'terminate' | 'unload'): Promise<void> {
	const child = `site/${name}`;
	const downB = waitEvent(b, 'ike-updown', (m) => isDown(m) && child in m);
	if (how === 'terminate') {
		r.set(`${name}.terminate`, await vici.terminate(a.client, { ike: child }));
		await downB;
	}
	a.reconciler.delete(child);
	b.reconciler.delete(child);
	const [ra, rb] = await Promise.all([a.reconciler.reconcile(), b.reconciler.reconcile()]);
	r.set(`${name}.unloaded`, [ra.unloaded, rb.unloaded]);
	if (how === 'unload') await downB;
	r.set(`${name}.after`, {
		sas: [(await vici.listSas(a.client)).length, (await vici.listSas(b.client)).length],
		conns: [await vici.getConns(a.client), await vici.getConns(b.client)],
		shared: [await vici.getShared(a.client), await vici.getShared(b.client)],
		keys: [(await vici.getKeys(a.client)).length, (await vici.getKeys(b.client)).length],
		xfrm: [xfrmCounts('espvc-gwa'), xfrmCounts('espvc-gwb')],
	});
}

try {
	// ---- IKEv2 with a pre-shared key, AES-GCM ESP
	const psk = sides(['@gw-a', '@gw-b'], { ike: { proposals: ['aes128-sha256-x25519'] }, esp: { proposals: ['aes128gcm16'] } });
	await bringUp('psk', psk, [{ psk: PSK }, { psk: PSK }]);

	// ---- rekey the CHILD SA and the IKE SA through VICI
	const before = (await vici.listSas(a.client, { ike: 'site/psk' }))[0];
	const childRekeyed = waitEvent(a, 'child-rekey');
	r.set('rekey.child', await vici.rekey(a.client, { child: 'site/psk' }));
	const cr = await childRekeyed;
	const ikeRekeyed = waitEvent(a, 'ike-rekey');
	r.set('rekey.ike', await vici.rekey(a.client, { ike: 'site/psk' }));
	await ikeRekeyed;
	await sleep(200);
	const after = (await vici.listSas(a.client, { ike: 'site/psk' }))[0];
	r.set('rekey.childEvent', Object.keys(cr));
	r.set('rekey.before', { ike: before?.uniqueid, spiIn: before?.children[0]?.spiIn });
	r.set('rekey.after', { ike: after?.uniqueid, children: after?.children.map((c) => ({ spiIn: c.spiIn, state: c.state })) });
	r.set('rekey.ping', ping('espvc-lana', '10.2.0.10'));
	await tearDown('psk', 'terminate');

	// ---- IKEv2 with X.509 certificates from a CA made for this test, AES-CBC + HMAC ESP
	const x = sides([env('ESPVC_A_DN'), env('ESPVC_B_DN')], { auth: { x509: { secretName: 'tls' } }, ike: { proposals: ['aes256-sha384-ecp384'] }, esp: { proposals: ['aes256-sha256'] } });
	await bringUp('x509', x, [{ x509: certA }, { x509: certB }]);
	await tearDown('x509', 'unload');

	// ---- IKEv1 with a pre-shared key
	const v1 = sides(['192.0.2.1', '192.0.2.2'], { ike: { version: 1, proposals: ['aes128-sha1-modp2048'] }, esp: { proposals: ['aes128-sha1'] } });
	await bringUp('ikev1', v1, [{ psk: PSK }, { psk: PSK }]);
	await tearDown('ikev1', 'unload');

	// ---- IPv6 outside and inside
	const v6 = sides(['@gw-a6', '@gw-b6'], { ike: { proposals: ['aes128-sha256-x25519'] }, esp: { proposals: ['aes256gcm16'] } }, 6);
	await bringUp('ipv6', v6, [{ psk: PSK }, { psk: PSK }], 'fd00:2::10');
	await tearDown('ipv6', 'unload');

	// ---- refusals: charon's errmsg comes back typed; a bad tunnel does not stop a good one
	const good = sides(['@gw-a', '@gw-b'], { esp: { proposals: ['aes128gcm16'] } })[0];
	a.reconciler.set('site/good', specToVici('site', 'good', good, { psk: PSK }));
	a.reconciler.set('site/badproposal', specToVici('site', 'badproposal', { ...good, dataplane: 'kernel', esp: { proposals: ['aes128-foo'] } }, { psk: PSK }));
	const brokenCert = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
	a.reconciler.set('site/badcert', specToVici('site', 'badcert', { ...good, auth: { x509: { secretName: 'tls' } } }, { x509: { cert: brokenCert, key: certA.key } }));
	const rep = await a.reconciler.reconcile();
	r.set('refusals.errors', Object.fromEntries([...rep.errors].map(([k, e]) => [k, { name: e.name, errmsg: isViciCommandError(e) ? e.errmsg : e.message, command: isViciCommandError(e) ? e.command : '' }])));
	r.set('refusals.conns', await vici.getConns(a.client));
	try {
		await vici.initiate(a.client, { child: 'site/nonexistent' });
		r.set('refusals.initiate', 'accepted');
	} catch (e) {
		r.set('refusals.initiate', { name: (e as Error).name, errmsg: isViciCommandError(e) ? e.errmsg : '' });
	}
	// B holds no config for site/good: the IKE negotiation fails and initiate says so.
	try {
		await vici.initiate(a.client, { child: 'site/good' });
		r.set('refusals.peerless', 'accepted');
	} catch (e) {
		r.set('refusals.peerless', { name: (e as Error).name, errmsg: isViciCommandError(e) ? e.errmsg : (e as Error).message });
	}
	r.set('refusals.stillServing', (await vici.version(a.client)).daemon);
	for (const t of ['site/good', 'site/badproposal', 'site/badcert']) a.reconciler.delete(t);
	await a.reconciler.reconcile();
	r.set('events', { a: a.events.map((e) => e.name), b: b.events.map((e) => e.name) });
	r.set('done', true);
} catch (e) {
	r.set('error', String((e as Error).stack ?? e));
} finally {
	for (const ag of [a, b]) {
		ag.reconciler.stop();
		ag.client.close();
	}
	await Promise.all([charonA.stop(), charonB.stop()]);
	topo.teardown();
}
