import test from 'ava';
import { attr } from '../../operator/xfrm/codec/attributes.js';
import { NLM_F_REPLACE, XFRM_AE_LVAL, XFRM_AE_RVAL, XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { circularBitmap } from '../../operator/xfrm/messages/newae.js';
import { harness, inSa, outSa, saMsg } from './mirror-harness.js';

test('moved counters become one NEWAE per SA with bytes, packets, last use, add time and sequence state', async t => {
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1'), { addTime: 1234n }), saMsg(inSa('0x2', 1, { esn: true, replayWindow: 128 }), { addTime: 1235n }), saMsg(outSa('0x3'))];
	await h.mirror.start();
	h.kernel.requests.length = 0;
	const out = { spi: '0x1', dir: 'out', dst: '192.0.2.2' } as const, inb = { spi: '0x2', dir: 'in', dst: '192.0.2.1' } as const;
	h.dp.traffic(out, 10, 100, 1_700_000_100);
	h.dp.traffic(inb, 7, 1500, 1_700_000_101);
	await h.writeback.round();

	t.is(h.kernel.requests.length, 2, 'the idle SA 0x3 is not written');
	// one NEWAE per SA, in no particular order
	const aeOf = (spi: number) => h.kernel.requests.find(m => m.kind === 'aevent' && m.body.saId.spi === spi);
	const a = aeOf(1), b = aeOf(2);
	if (a?.kind !== 'aevent' || b?.kind !== 'aevent') return t.fail();
	t.is(a.type, XFRM_MSG.NEWAE);
	t.is(a.flags & NLM_F_REPLACE, NLM_F_REPLACE);
	t.is(a.body.flags, XFRM_AE_RVAL | XFRM_AE_LVAL);
	t.like(a.body.saId, { spi: 1, daddr: '192.0.2.2', proto: 50 });
	t.deepEqual(attr(a.attrs, 'ltime'), { bytes: 1000n, packets: 10n, addTime: 1234n, useTime: 1_700_000_100n });
	const start = BigInt(h.dp.find('0x1', 'out')?.seq ?? 0);
	t.is(BigInt(attr(a.attrs, 'replay')?.oseq ?? 0), start - 1n + 10n, 'oseq is the last number sent');
	t.deepEqual(attr(b.attrs, 'ltime'), { bytes: 10500n, packets: 7n, addTime: 1235n, useTime: 1_700_000_101n });
	const esn = attr(b.attrs, 'replayEsn');
	t.is(esn?.seq, 7);
	t.is(esn?.replayWindow, 128);
	// Numbers 1..7 were received: bits 0..6 of the kernel's circular window.
	t.deepEqual(esn?.bmp, [0x7f, 0, 0, 0]);

	await h.writeback.round();
	t.is(h.kernel.requests.length, 2, 'nothing moved, nothing written');
	await h.mirror.stop();
});

test('crossing a soft then a hard byte limit raises one soft and one hard EXPIRE', async t => {
	const h = harness();
	h.kernel.sas = [saMsg(outSa('0x1', 1, { lifetime: { softBytes: 1000, hardBytes: 2000 } }))];
	await h.mirror.start();
	h.kernel.requests.length = 0;
	const k = { spi: '0x1', dir: 'out', dst: '192.0.2.2' } as const;
	h.dp.traffic(k, 5, 100);
	await h.writeback.round();
	t.deepEqual(h.kernel.requests.map(r => r.kind), ['aevent']);
	h.dp.traffic(k, 6, 100);
	await h.writeback.round();
	h.dp.traffic(k, 1, 100);
	await h.writeback.round();
	const expires = h.kernel.requests.filter(r => r.kind === 'expire');
	t.is(expires.length, 1);
	h.dp.traffic(k, 10, 100);
	await h.writeback.round();
	const all = h.kernel.requests.filter(r => r.kind === 'expire').map(r => (r.kind === 'expire' ? r.body.hard : -1));
	t.deepEqual(all, [0, 1]);
	t.is(h.writeback.stats.softExpires, 1);
	t.is(h.writeback.stats.hardExpires, 1);
	await h.mirror.stop();
});

test("the inbound window is written in the kernel's circular ESN layout", t => {
	// Window 64, highest accepted 70: the dataplane reports bits for 70 (bit 0), 69 (bit 1) and 7 (bit 63).
	const linear = Uint32Array.from([0b11, 1 << 31]);
	// Kernel: s at bit (s - 1) mod 64 → 70 → 5, 69 → 4, 7 → 6.
	t.deepEqual(circularBitmap(70n, 64, 2, linear), [(1 << 5) | (1 << 4) | (1 << 6), 0]);
	// Early in the SA's life there are no numbers below 1.
	t.deepEqual(circularBitmap(2n, 64, 2, Uint32Array.from([0xffffffff, 0xffffffff])), [0b11, 0]);
	t.deepEqual(circularBitmap(0n, 64, 2, linear), [0, 0]);
});
