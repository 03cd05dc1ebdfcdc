import test from 'ava';
import { attr } from '../../operator/xfrm/codec/attributes.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { encodeXfrm } from '../../operator/xfrm/codec/message.js';
import { decodeOne, loadFixtures } from './fixtures.js';

// Messages captured from Debian's UML kernel 6.1 (test/xfrm/capture-fixtures.ts): every
// message type and attribute the mirror reads. A byte-exact round trip also proves the
// struct sizes and offsets (xfrm_usersa_info 224, xfrm_userpolicy_info 168, …): one byte off
// and the attributes after the body would not line up.
for (const [i, f] of loadFixtures().entries()) {
	test(`#${i} ${f.label} (${f.bytes.length} bytes) round-trips`, t => {
		const m = decodeOne(f.bytes);
		t.deepEqual(encodeXfrm(m), f.bytes);
		t.deepEqual(decodeOne(encodeXfrm(m)), m);
	});
}

test('the decoded fields are the ones ip xfrm was given', t => {
	const byLabel = new Map(loadFixtures().map(f => [f.label, decodeOne(f.bytes)]));
	const gcm = byLabel.get('newsa aes256gcm16 esn replay-window 128');
	if (gcm?.kind !== 'sa') return t.fail();
	t.is(gcm.type, XFRM_MSG.NEWSA);
	t.is(gcm.body.id.spi, 0x102);
	t.is(gcm.body.saddr, '192.0.2.1');
	t.is(gcm.body.id.daddr, '192.0.2.2');
	t.is(gcm.body.reqid, 7);
	t.is(attr(gcm.attrs, 'aead')?.name, 'rfc4106(gcm(aes))');
	t.is(attr(gcm.attrs, 'aead')?.keyBits, 288);
	t.is(attr(gcm.attrs, 'aead')?.icvBits, 128);
	t.is(attr(gcm.attrs, 'replayEsn')?.replayWindow, 128);
	t.is(attr(gcm.attrs, 'replayEsn')?.bmp.length, 4);

	const natt = byLabel.get('newsa aes256-sha256 natt');
	if (natt?.kind !== 'sa') return t.fail();
	t.deepEqual(attr(natt.attrs, 'encap'), { type: 2, sport: 4500, dport: 4500, oa: '' });
	t.is(attr(natt.attrs, 'authTrunc')?.truncBits, 128);

	const marked = byLabel.get('newsa chacha20poly1305 mark if_id');
	if (marked?.kind !== 'sa') return t.fail();
	t.deepEqual(attr(marked.attrs, 'mark'), { v: 0x10, m: 0xff });
	t.is(attr(marked.attrs, 'ifId'), 5);

	const v6 = byLabel.get('newsa ipv6 aes128gcm16 lifetimes');
	if (v6?.kind !== 'sa') return t.fail();
	t.is(v6.body.id.daddr, '2001:db8::2');
	t.is(v6.body.lft.softByteLimit, 1000000n);
	t.is(v6.body.lft.hardPacketLimit, 2000n);

	t.is(byLabel.get('updsa aes128gcm16')?.type, XFRM_MSG.UPDSA);

	const pol = byLabel.get('newpolicy in tcp port');
	if (pol?.kind !== 'policy') return t.fail();
	t.is(pol.body.sel.proto, 6);
	t.is(pol.body.sel.dport, 443);
	t.is(pol.body.sel.dportMask, 0xffff);
	t.is(attr(pol.attrs, 'tmpl')?.[0]?.reqid, 7);

	const del = byLabel.get('delpolicy in tcp port');
	if (del?.kind !== 'policyId') return t.fail();
	t.is(attr(del.attrs, 'policy')?.index, pol.body.index);

	// What the agent writes, as the kernel echoes it, and the kernel's answers.
	const ae = byLabel.get('newae event ack');
	if (ae?.kind !== 'aevent') return t.fail();
	t.is(ae.body.saId.spi, 0x101);
	t.deepEqual(attr(ae.attrs, 'ltime'), { bytes: 1000n, packets: 10n, addTime: attr(ae.attrs, 'ltime')?.addTime ?? -1n, useTime: 1700000000n });
	t.is(attr(ae.attrs, 'replay')?.oseq, 10);
	const exp = byLabel.get('expire event ack');
	if (exp?.kind !== 'expire') return t.fail();
	t.is(exp.body.state.id.spi, 0x101);
	t.is(exp.body.hard, 0);
	t.like(byLabel.get('newae answer ack'), { kind: 'error', seq: 77, body: { error: 0 } });
	t.like(byLabel.get('newae answer error'), { kind: 'error', seq: 77, body: { error: -3 } });

	t.is(byLabel.get('flushsa')?.kind, 'flushSa');
	t.is(byLabel.get('flushpolicy')?.kind, 'flushPolicy');
});

test('MAPPING, which the kernel sends only when a NAT-T peer moves (never in the captures), round-trips', t => {
	const m = {
		kind: 'mapping' as const, type: XFRM_MSG.MAPPING, flags: 0, seq: 0, pid: 0, attrs: [],
		body: { id: { daddr: '192.0.2.1', spi: 0x2001, family: 2, proto: 50 }, reqid: 7, oldSaddr: '198.51.100.1', newSaddr: '198.51.100.9', oldSport: 4500, newSport: 61000 },
	};
	t.deepEqual(decodeOne(encodeXfrm(m)), m);
	t.is(encodeXfrm(m).length, 16 + 64);
});
