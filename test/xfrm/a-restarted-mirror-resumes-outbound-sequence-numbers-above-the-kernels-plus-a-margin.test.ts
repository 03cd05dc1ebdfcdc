import test from 'ava';
import { DEFAULT_SEQ_MARGIN } from '../../operator/agent/xfrm-mirror.js';
import { attr } from '../../operator/xfrm/codec/attributes.js';
import { harness, inSa, outSa, saMsg } from './mirror-harness.js';

test('an outbound SA starts at the kernel oseq + margin, written to the kernel before the dataplane gets it', async t => {
	const h = harness();
	// What the last agent wrote back before it died: oseq 1000 (no ESN), 2^32 + 5 (ESN).
	h.kernel.sas = [saMsg(outSa('0x1', 1, { seq: 1000 })), saMsg(outSa('0x2', 2, { esn: true, replayWindow: 64, seq: (1n << 32n) + 5n })), saMsg(inSa('0x3', 1, { seq: 777 }))];
	let putsWhenWritten = -1;
	// inbound SAs need no kernel write and may go in first; no outbound one may precede its write
	h.kernel.answer = () => { putsWhenWritten = [...h.dp.sas.values()].filter(s => s.dir === 'out').length; return 0; };
	await h.mirror.start();

	t.is(putsWhenWritten, 0, 'the kernel got the new oseq before any outbound SA was installed');
	t.is(h.dp.find('0x1', 'out')?.seq, 1000n + DEFAULT_SEQ_MARGIN + 1n);
	t.is(h.dp.find('0x2', 'out')?.seq, (1n << 32n) + 5n + DEFAULT_SEQ_MARGIN + 1n);
	t.is(h.dp.find('0x3', 'in')?.seq, 777n, 'inbound resumes from the replay state');

	const [ae1, ae2] = h.kernel.requests;
	if (ae1?.kind !== 'aevent' || ae2?.kind !== 'aevent') return t.fail();
	t.is(attr(ae1.attrs, 'replay')?.oseq, 1000 + Number(DEFAULT_SEQ_MARGIN));
	const esn = attr(ae2.attrs, 'replayEsn');
	t.is(esn?.oseqHi, 1);
	t.is(esn?.oseq, 5 + Number(DEFAULT_SEQ_MARGIN));
	t.is(esn?.bmp.length, 2, 'the ESN state keeps the kernel SA own bitmap length');
	await h.mirror.stop();
});

test('a second restart without any write-back in between still never reuses a number', async t => {
	const h1 = harness();
	h1.kernel.sas = [saMsg(outSa('0x1', 1, { seq: 50 }))];
	await h1.mirror.start();
	const first = BigInt(h1.dp.find('0x1', 'out')?.seq ?? 0);
	// The first agent sent 10 packets and was killed before its next write-back. The kernel now holds
	// the value written at start (what the next agent's dump shows).
	const written = h1.kernel.requests[0];
	if (written?.kind !== 'aevent') return t.fail();
	const oseq = BigInt(attr(written.attrs, 'replay')?.oseq ?? 0);
	const h2 = harness();
	h2.kernel.sas = [saMsg(outSa('0x1', 1, { seq: oseq }))];
	await h2.mirror.start();
	t.true(BigInt(h2.dp.find('0x1', 'out')?.seq ?? 0) > first + 10n);
	await h1.mirror.stop();
	await h2.mirror.stop();
});

test('when the kernel refuses the sequence write, the SA is not installed and says why', async t => {
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1'))];
	h.kernel.answer = () => 3; // ESRCH
	await h.mirror.start();
	t.is(h.dp.sas.size, 0);
	t.regex(h.mirror.unprogrammable()[0]?.reason ?? '', /refused the resumed sequence number \(errno 3\)/);
	await h.mirror.stop();
});

test('without ESN the resumed number never wraps past 2^32 - 1', async t => {
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1', 1, { seq: 0xffffff00 }))];
	await h.mirror.start();
	t.is(h.dp.find('0x1', 'out')?.seq, 0x100000000n, 'parked beyond the last usable number: the dataplane cannot send, charon rekeys');
	await h.mirror.stop();
});
