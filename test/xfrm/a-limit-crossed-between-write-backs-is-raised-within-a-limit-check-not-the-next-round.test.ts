// strongSwan's hard byte limit is only 10 % above rekey_bytes. The kernel's own ESP raises the
// soft EXPIRE on the packet that crosses it; the dataplane's crossing must reach charon about
// as soon, not at the next once-a-second write-back, or the old SA hits its hard limit before
// the rekey is done. Here the full write-back is 5 s away; the limit check runs every 50 ms.
import test from 'ava';
import { XfrmWriteback } from '../../operator/agent/writeback.js';
import { createLogger } from '../../operator/log/index.js';
import { harness, outSa, saMsg } from './mirror-harness.js';

test('a crossed soft limit is raised with its counters within a limit check, and only once', async t => {
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1', 1, { lifetime: { softBytes: 1000, hardBytes: 1100 } })), saMsg(outSa('0x2'))];
	await h.mirror.start();
	h.kernel.requests.length = 0;
	const wb = new XfrmWriteback({ mirror: h.mirror, dataplane: h.dp, kernel: h.kernel, log: createLogger('t', { level: 'silent' }), intervalMs: 5000, limitCheckMs: 50 });
	wb.start();
	try {
		h.dp.traffic({ spi: '0x2', dir: 'out', dst: '192.0.2.2' }, 5, 100);
		await new Promise(r => setTimeout(r, 200));
		t.deepEqual(h.kernel.requests, [], 'counters that cross nothing wait for the full round');
		h.dp.traffic({ spi: '0x1', dir: 'out', dst: '192.0.2.2' }, 10, 100);
		const t0 = performance.now();
		while (!h.kernel.requests.some(r => r.kind === 'expire') && performance.now() - t0 < 2000) await new Promise(r => setTimeout(r, 10));
		t.true(performance.now() - t0 < 2000, 'the soft EXPIRE came long before the 5 s round');
		t.is(wb.stats.rounds, 0);
		// The SA's counters go in first, so charon sees the bytes that crossed the limit.
		t.deepEqual(h.kernel.requests.map(r => r.kind), ['aevent', 'expire']);
		const [ae, ex] = h.kernel.requests;
		t.true(ae?.kind === 'aevent' && ae.body.saId.spi === 1);
		t.true(ex?.kind === 'expire' && ex.body.hard === 0);
		await new Promise(r => setTimeout(r, 200));
		t.is(h.kernel.requests.length, 2, 'raised once; the other SA still waits for the round');
		// Then the hard limit, just as soon.
		h.dp.traffic({ spi: '0x1', dir: 'out', dst: '192.0.2.2' }, 1, 100);
		await new Promise(r => setTimeout(r, 300));
		t.deepEqual(h.kernel.requests.filter(r => r.kind === 'expire').map(r => (r.kind === 'expire' ? r.body.hard : -1)), [0, 1]);
		t.true(wb.stats.limitChecks > 5);
	} finally {
		await wb.stop();
		await h.mirror.stop();
	}
});
