import test from 'ava';
import { fixture } from './fixtures.js';
import { harness, inSa, saMsg } from './mirror-harness.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';

// The events captured from a real kernel, replayed in their order into a running mirror.
const settle = (h: ReturnType<typeof harness>) => h.mirror.settled();
const spis = (h: ReturnType<typeof harness>) => [...h.dp.sas.values()].map(s => s.spi).sort();

test('each captured event is mirrored: adds, an update, a delete, then both flushes empty the dataplane', async t => {
	const h = harness();
	await h.mirror.start();
	t.deepEqual(spis(h), []);

	for (const label of ['newsa aes128gcm16', 'newsa aes256gcm16 esn replay-window 128', 'newsa aes128-sha1', 'newsa aes256-sha256 natt', 'newsa chacha20poly1305 mark if_id', 'newsa ipv6 aes128gcm16 lifetimes', 'newsa unsupported cbc(des3_ede)']) {
		h.kernel.emit(fixture(label));
	}
	await settle(h);
	t.deepEqual(spis(h), ['0x101', '0x102', '0x103', '0x104', '0x105', '0x106']);
	t.like(h.dp.find('0x105', 'out'), { aead: { name: 'rfc7539esp(chacha20,poly1305)', icvBits: 128 } });
	t.is(h.mirror.unprogrammable().length, 1);

	h.kernel.emit(fixture('updsa aes128gcm16'));
	await settle(h);
	t.is(h.dp.calls.filter(c => c === 'put 0x101 out').length, 1, 'an UPDSA that changes nothing does not reinstall');

	for (const label of ['newpolicy out protect', 'newpolicy fwd protect', 'newpolicy in tcp port', 'newpolicy out block mark', 'newpolicy ipv6 out allow', 'updpolicy out protect']) {
		h.kernel.emit(fixture(label));
	}
	await settle(h);
	t.is(h.dp.spd.out.length, 3);
	t.is(h.dp.spd.out.find(p => p.action === 'protect')?.priority, 90, 'UPDPOLICY replaced the policy in place');
	t.is(h.dp.spd.in.length, 2);
	t.truthy(h.dp.spd.in.find(p => p.proto === 'tcp' && p.dport === 443));

	h.kernel.emit(fixture('delpolicy in tcp port'), fixture('delsa chacha'));
	await settle(h);
	t.is(h.dp.spd.in.length, 1);
	t.false(spis(h).includes('0x105'));

	h.kernel.emit(fixture('flushsa'));
	await settle(h);
	t.deepEqual(spis(h), []);
	t.is(h.mirror.unprogrammable().length, 0, 'the flushed 3DES SA is no longer reported');
	h.kernel.emit(fixture('flushpolicy'));
	await settle(h);
	t.deepEqual(h.dp.spd, { in: [], out: [] });
	await h.mirror.stop();
});

test("charon's inbound SA arrives as UPDSA and is installed like a NEWSA", async t => {
	const h = harness();
	await h.mirror.start();
	h.kernel.emit(saMsg(inSa('0xc0de'), { type: XFRM_MSG.UPDSA }));
	await settle(h);
	t.like(h.dp.find('0xc0de', 'in'), { dir: 'in', src: '192.0.2.2', dst: '192.0.2.1' });
	await h.mirror.stop();
});

test('lost events (ENOBUFS) make the mirror re-dump and converge', async t => {
	const h = harness();
	await h.mirror.start();
	// The kernel changed and the event was lost: only the dump knows.
	h.kernel.sas = [saMsg(inSa('0x77'))];
	h.kernel.listener?.onOverrun();
	await settle(h);
	t.deepEqual(spis(h), ['0x77']);
	t.is(h.mirror.stats.overruns, 1);
	h.kernel.sas = [];
	h.kernel.listener?.onOverrun();
	await settle(h);
	t.deepEqual(spis(h), []);
	await h.mirror.stop();
});
