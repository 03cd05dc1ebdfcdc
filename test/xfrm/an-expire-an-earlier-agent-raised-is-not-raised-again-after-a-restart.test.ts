// The dataplane host's counters outlive the agent. A restarted agent's write-back starts with
// no memory of the expires it raised, but the kernel SA shows them: counters past the soft
// limit were written in the same round that raised the soft EXPIRE. Raising it again would
// make charon rekey the CHILD SA a second time; only the hard limit, still ahead, is raised.
import test from 'ava';
import { harness, outSa, saMsg } from './mirror-harness.js';

test('an expire an earlier agent raised is not raised again after a restart', async t => {
	const h = harness();
	const m = saMsg(outSa('0x1', 1, { lifetime: { softBytes: 1000, hardBytes: 2000 } }));
	if (m.kind !== 'sa') return t.fail();
	m.body.curlft.bytes = 1200n; // what the killed agent wrote back, with the soft EXPIRE
	m.body.curlft.packets = 12n;
	h.kernel.sas = [m];
	await h.mirror.start();
	h.kernel.requests.length = 0;
	const k = { spi: '0x1', dir: 'out', dst: '192.0.2.2' } as const;
	h.dp.traffic(k, 13, 100);
	await h.writeback.round();
	t.deepEqual(h.kernel.requests.map(r => r.kind), ['aevent'], 'counters written, no second soft EXPIRE');
	h.dp.traffic(k, 8, 100);
	await h.writeback.round();
	t.deepEqual(h.kernel.requests.filter(r => r.kind === 'expire').map(r => (r.kind === 'expire' ? r.body.hard : -1)), [1], 'the hard limit is raised once');
	t.is(h.writeback.stats.softExpires, 0);
	await h.mirror.stop();
});
