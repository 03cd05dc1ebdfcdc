// A dataplane host outlives a killed agent: the next agent's mirror finds the SAs there. Those
// the host holds exactly as the kernel wants them (holds() says so) are adopted as they are:
// no put, no sequence number written to the kernel, the sequence numbers and counters run on,
// and the first write-back after the restart moves the kernel's counters forward only. An SA
// the host holds differently (other keys) is put again as before.
import test from 'ava';
import { XfrmMirror } from '../../operator/agent/xfrm-mirror.js';
import { XfrmWriteback } from '../../operator/agent/writeback.js';
import { createLogger } from '../../operator/log/index.js';
import { attr } from '../../operator/xfrm/codec/attributes.js';
import { FakeKernel } from './fake-kernel.js';
import { harness, inSa, outSa, saMsg } from './mirror-harness.js';

const otherKey = { name: 'rfc4106(gcm(aes))', key: `0x${'cd'.repeat(20)}`, icvBits: 128 } as const;

test('SAs a surviving dataplane holds exactly are adopted without a put or a sequence jump', async t => {
	// The first agent: puts what the kernel holds, the dataplane forwards 5000 packets each way.
	const first = harness();
	first.dp.remembers = true;
	first.kernel.sas = [saMsg(outSa('0x1')), saMsg(inSa('0x2')), saMsg(outSa('0x3', 2, { aead: otherKey }))];
	await first.mirror.start();
	await first.mirror.stop(); // killed: nothing is removed from the dataplane
	const dp = first.dp;
	dp.traffic({ spi: '0x1', dir: 'out', dst: '192.0.2.2' }, 5000, 100);
	dp.traffic({ spi: '0x2', dir: 'in', dst: '192.0.2.1' }, 4000, 100);
	const seqBefore = dp.saCounters().find(c => c.spi === '0x1')!.seq;
	dp.calls.length = 0;

	// The next agent: the kernel as the last write-back left it (a second old); 0x3 now has other keys.
	const kernel = new FakeKernel();
	kernel.sas = [saMsg(outSa('0x1', 1, { seq: seqBefore - 100n })), saMsg(inSa('0x2', 1, { seq: 3900 })), saMsg(outSa('0x3', 2))];
	const log = createLogger('xfrm-test', { level: 'silent' });
	const mirror = new XfrmMirror({ dataplane: dp, kernel, log, isLocal: a => a === '192.0.2.1', resyncIntervalMs: 0 });
	await mirror.start();

	t.deepEqual(dp.calls.filter(c => c.startsWith('put')), ['put 0x3 out'], 'only the SA held with other keys is put again');
	t.is(mirror.stats.saAdopted, 2);
	const out = dp.saCounters().find(c => c.spi === '0x1')!;
	t.is(out.seq, seqBefore, 'the outbound sequence number runs on where the dataplane was, no jump');
	t.is(out.packets, 5000n, 'counters are not reset');
	t.is(dp.saCounters().find(c => c.spi === '0x2')?.seq, 4000n, 'the inbound replay state is the dataplane\'s, not the older kernel one');
	t.is(kernel.requests.filter(r => r.kind === 'aevent').length, 1, 'a resumed sequence number is written for the re-put SA only');

	// The dataplane keeps counting; the first write-back carries its counters, ahead of the kernel's.
	dp.traffic({ spi: '0x1', dir: 'out', dst: '192.0.2.2' }, 10, 100);
	kernel.requests.length = 0;
	await new XfrmWriteback({ mirror, dataplane: dp, kernel, log }).round();
	const ae = kernel.requests.find(r => r.kind === 'aevent' && attr(r.attrs, 'replay')?.oseq === Number(seqBefore + 10n));
	t.truthy(ae, 'the write-back carries the running sequence number');
	if (ae?.kind === 'aevent') t.is(attr(ae.attrs, 'ltime')?.packets, 5010n);
	await mirror.stop();
});
