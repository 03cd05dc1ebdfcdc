// Guest side of a-restarted-charon-gets-its-tunnels-back-without-manual-action.test.ts.
//
//   espvc-lana ─ espvc-gwa ══════ wan ══════ espvc-gwb ─ espvc-lanb   (guest-kit siteTopology)
//                charon A (killed)            charon B
//
// Agent A holds a tunnel that starts on load (startAction: start); agent B answers. Charon A
// is SIGKILLed (a crash) and started again with nothing loaded. Nobody calls initiate: the
// agent's VICI client reconnects, the reconciler re-applies its desired config, charon's
// start action brings the tunnel back.
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { specToVici } from '../../operator/agent/strongswan/render.js';
import * as vici from '../../operator/vici/commands.js';
import { startCharon } from '../helpers/charon.js';
import { Results, WORK, isUp, ping, saFacts, siteTopology, sleep, startAgent, waitEvent } from './guest-kit.js';

const r = new Results();
const PSK = process.env['ESPVC_PSK'] ?? '';
const topo = siteTopology();
const [charonA, charonB] = await Promise.all([startCharon({ ns: 'espvc-gwa', dir: `${WORK}/gwa` }), startCharon({ ns: 'espvc-gwb', dir: `${WORK}/gwb` })]);
const [a, b] = await Promise.all([startAgent('a', charonA.vici), startAgent('b', charonB.vici)]);

const A = { address: '192.0.2.1', id: '@gw-a', subnets: ['10.1.0.0/24'] };
const B = { address: '192.0.2.2', id: '@gw-b', subnets: ['10.2.0.0/24'] };
const common: Omit<IPsecTunnelSpec, 'local' | 'remote'> = { auth: { psk: { secretRef: { name: 'site', key: 'psk' } } }, ike: { proposals: ['aes128-sha256-x25519'] }, esp: { proposals: ['aes128gcm16'] } };
const child = 'site/restart';

try {
	b.reconciler.set(child, specToVici('site', 'restart', { ...common, local: B, remote: A, startAction: 'add' }, { psk: PSK }));
	await b.reconciler.reconcile();
	const firstUp = waitEvent(a, 'child-updown', (m) => isUp(m) && child in m);
	a.reconciler.set(child, specToVici('site', 'restart', { ...common, local: A, remote: B, startAction: 'start' }, { psk: PSK }));
	await a.reconciler.reconcile();
	await firstUp;
	const before = await vici.listSas(a.client);
	r.set('before', saFacts(before));
	r.set('pingBefore', ping('espvc-lana', '10.2.0.10'));

	// ---- the crash
	let disconnects = 0;
	let reconnects = 0;
	a.client.on('disconnected', () => disconnects++);
	a.client.on('reconnected', () => reconnects++);
	const reportsBefore = a.reports.length;
	await charonA.kill();
	const killedAt = Date.now();
	await sleep(500);
	r.set('connectedWhileDown', a.client.connected);
	await charonA.restart();
	const restartedAt = Date.now();
	// Subscriptions are restored before 'reconnected' fires, so this is seen.
	await waitEvent(a, 'child-updown', (m) => isUp(m) && child in m, 20_000);
	r.set('downToUpMs', Date.now() - killedAt);
	r.set('restartToUpMs', Date.now() - restartedAt);
	r.set('disconnects', disconnects);
	r.set('reconnects', reconnects);
	r.set('reloaded', a.reports.slice(reportsBefore).flatMap((rep) => rep.loaded));
	r.set('reloadErrors', a.reports.slice(reportsBefore).flatMap((rep) => [...rep.errors.keys()]));
	r.set('connsAfter', await vici.getConns(a.client));
	await sleep(300);
	r.set('afterA', saFacts(await vici.listSas(a.client)));
	r.set('afterB', saFacts(await vici.listSas(b.client)));
	r.set('pingAfter', ping('espvc-lana', '10.2.0.10'));
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
