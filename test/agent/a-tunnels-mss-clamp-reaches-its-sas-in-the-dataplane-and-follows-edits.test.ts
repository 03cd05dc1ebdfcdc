// spec.mssClamp under the agent: the tunnel's CHILD_SAs are found by the reqid charon reports
// for them (list-sas), and every kernel SA of those reqids — both directions, every CHILD_SA —
// is put into the dataplane with the clamp. Editing the clamp re-puts those SAs with the new value, removing it
// re-puts them without; SAs of other reqids are never touched. A CHILD_SA that comes up later
// with a new reqid (charon restarted) is clamped once charon announces it (child-updown).
// Against a fake charon (VICI), a fake kernel and a fake dataplane; the real NodeProgrammer,
// MssClampSource and XfrmMirror.
import test from 'ava';
import { MssClampSource } from '../../operator/agent/mss-clamps.js';
import { NodeProgrammer } from '../../operator/agent/node-programmer.js';
import { CharonReconciler } from '../../operator/agent/strongswan/reconcile.js';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import type { DpSa } from '../../operator/dataplane/types.js';
import { createLogger } from '../../operator/log/index.js';
import { ViciClient } from '../../operator/vici/client.js';
import type { ViciInput } from '../../operator/vici/codec.js';
import { siteToSiteSpec, tunnel } from '../operator/fixtures.js';
import { FakeViciServer, type Handler } from '../vici/fake-server.js';
import { harness, inSa, outSa, saMsg } from '../xfrm/mirror-harness.js';

const log = createLogger('test', { level: 'silent' });

test('a tunnel\'s mssClamp reaches both directions of its SAs in the dataplane and follows edits and removal', async t => {
	// charon: what the reconciler loads, and the CHILD_SAs list-sas reports (reqid per child)
	const conns = new Set<string>();
	// two CHILD_SAs of the tunnel (e.g. a duplicate the peer negotiated), each with its reqid
	let children: Array<{ reqid: number; spiIn: string; spiOut: string }> = [{ reqid: 1, spiIn: '00000002', spiOut: '00000001' }, { reqid: 3, spiIn: '00000008', spiOut: '00000007' }];
	const ok = { success: 'yes' };
	const handlers: Record<string, Handler> = {
		'get-conns': () => ({ conns: [...conns] }),
		'get-shared': () => ({ keys: [] }),
		'get-pools': () => ({}),
		'get-keys': () => ({ keys: [] }),
		'load-conn': m => { conns.add(Object.keys(m)[0]!); return ok; },
		'load-shared': () => ok,
		'list-sas': (_m, conn) => {
			const childSas: ViciInput = Object.fromEntries(children.map((c, i) => [`default/site-b-${i + 1}`, { name: 'default/site-b', reqid: String(c.reqid), state: 'INSTALLED', 'spi-in': c.spiIn, 'spi-out': c.spiOut }]));
			conn.event('list-sa', { 'default/site-b': { uniqueid: '1', version: '2', state: 'ESTABLISHED', 'child-sas': childSas } });
			// an IKE SA of a config that is not a tunnel of ours: its reqid is never clamped
			conn.event('list-sa', { 'someone-else': { uniqueid: '2', version: '2', state: 'ESTABLISHED', 'child-sas': { 'x-3': { name: 'x', reqid: '2', state: 'INSTALLED' } } } });
			return {};
		},
	};
	const server = new FakeViciServer(handlers);
	await server.listen();
	const client = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 20, maxMs: 100 } });
	const reconciler = new CharonReconciler({ client, logger: log });

	// the kernel: the tunnel's SA pairs (reqids 1 and 3) and a foreign pair (reqid 2)
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1', 1)), saMsg(inSa('0x2', 1)), saMsg(outSa('0x3', 2)), saMsg(inSa('0x4', 2)), saMsg(outSa('0x7', 3)), saMsg(inSa('0x8', 3))];
	await h.mirror.start();

	let source: MssClampSource | undefined;
	const programmer = new NodeProgrammer({ client, reconciler, dataplane: 'dpdk', kernelSpis: () => new Set(), log, onApplied: () => source?.refresh() });
	source = new MssClampSource({ client, clampOf: c => programmer.mssClampOf(c), anyClamp: () => programmer.hasMssClamps(), apply: m => h.mirror.setMssClamps(m), log });
	source.start();
	t.teardown(async () => {
		source?.stop();
		reconciler.stop();
		client.close();
		await h.mirror.stop();
		await server.dispose();
	});
	await client.start();

	const apply = async (spec: IPsecTunnelSpec) => {
		h.dp.calls.length = 0;
		const r = await programmer.apply([{ key: 'default/site-b', tunnel: tunnel('site-b', spec), credentials: { psk: Buffer.from('psk') } }]);
		t.deepEqual([...(r.errors ?? new Map())], []);
		await source!.settled();
		await h.mirror.settled();
	};
	const clampOf = (spi: string): number | undefined => [...h.dp.sas.values()].find((s: DpSa) => s.spi === spi)?.mssClamp;
	const puts = () => h.dp.calls.filter(c => c.startsWith('put')).sort();

	await apply(siteToSiteSpec({ mssClamp: 1360 }));
	t.is(clampOf('0x1'), 1360, 'the outbound SA clamps');
	t.is(clampOf('0x2'), 1360, 'the inbound SA clamps');
	t.is(clampOf('0x3'), undefined, 'another reqid\'s SAs do not');
	t.is(clampOf('0x4'), undefined);
	t.deepEqual([clampOf('0x7'), clampOf('0x8')], [1360, 1360], 'the second CHILD_SA\'s SAs clamp too');
	t.deepEqual(puts(), ['put 0x1 out', 'put 0x2 in', 'put 0x7 out', 'put 0x8 in']);

	await apply(siteToSiteSpec({ mssClamp: 1200 }));
	t.deepEqual([clampOf('0x1'), clampOf('0x2'), clampOf('0x7'), clampOf('0x8')], [1200, 1200, 1200, 1200], 'an edited clamp is put again');
	t.deepEqual(puts(), ['put 0x1 out', 'put 0x2 in', 'put 0x7 out', 'put 0x8 in'], 'only the tunnel\'s SAs are put again');

	await apply(siteToSiteSpec({ mssClamp: 1200 }));
	t.deepEqual(puts(), [], 'an unchanged clamp puts nothing');

	await apply(siteToSiteSpec());
	t.deepEqual([clampOf('0x1'), clampOf('0x2'), clampOf('0x7')], [undefined, undefined, undefined], 'a removed clamp is put again without clamping');
	t.deepEqual(puts(), ['put 0x1 out', 'put 0x2 in', 'put 0x7 out', 'put 0x8 in']);

	// charon restarted and the tunnel came back under a new reqid: clamped once announced
	await apply(siteToSiteSpec({ mssClamp: 1300 }));
	h.mirror.onMessages([saMsg(outSa('0x5', 7)), saMsg(inSa('0x6', 7))]);
	await h.mirror.settled();
	t.is(clampOf('0x5'), undefined, 'not before charon says whose it is');
	children = [{ reqid: 7, spiIn: '00000006', spiOut: '00000005' }];
	server.broadcast('child-updown', { up: 'yes', 'default/site-b': { 'child-sas': {} } });
	const deadline = Date.now() + 10_000;
	while (clampOf('0x5') !== 1300 && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
	t.deepEqual([clampOf('0x5'), clampOf('0x6')], [1300, 1300], 'a new CHILD_SA is clamped after child-updown');
});
