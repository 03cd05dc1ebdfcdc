import test from 'ava';
import { delSaMsg, harness, inSa, outSa, policyMsg, saMsg } from './mirror-harness.js';

const tmplOut = { src: '192.0.2.1', dst: '192.0.2.2', reqid: 1 };
const tmplIn = { src: '192.0.2.2', dst: '192.0.2.1', reqid: 1 };

test('an outbound protect policy is installed as protect before its SA exists, then points at it', async t => {
	const h = harness();
	await h.mirror.start();
	h.kernel.emit(policyMsg({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect' }, tmplOut));
	await h.mirror.settled();
	t.deepEqual(h.dp.spd.out.map(p => [p.action, p.spi, p.reqid]), [['protect', undefined, 1]], 'protect by reqid: the dataplane drops until an SA of it exists');
	h.kernel.emit(saMsg(outSa('0x1')));
	await h.mirror.settled();
	t.deepEqual(h.dp.spd.out.map(p => [p.action, p.spi, p.reqid]), [['protect', '0x1', 1]]);
	t.deepEqual(h.dp.calls, ['spd in 0', 'spd out 0', 'spd out 1', 'put 0x1 out', 'spd out 1'], 'the SA is in before the policy names it');
	await h.mirror.stop();
});

test('during a rekey both inbound SAs decrypt, outbound moves to the newest SA, and the old ones go only when deleted', async t => {
	const h = harness();
	const oldIn = saMsg(inSa('0x10'), { addTime: 100n }), oldOut = saMsg(outSa('0x11'), { addTime: 100n });
	h.kernel.sas = [oldIn, oldOut];
	h.kernel.policies = [
		policyMsg({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect' }, tmplOut),
		policyMsg({ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', action: 'protect' }, tmplIn),
	];
	await h.mirror.start();
	t.deepEqual(h.dp.spd.out.map(p => [p.spi, p.reqid]), [['0x11', 1]]);
	// Inbound, as the kernel's template: any SA of reqid 1 passes the policy check.
	t.deepEqual(h.dp.spd.in.map(p => [p.action, p.spi, p.reqid]), [['protect', undefined, 1]]);
	h.dp.calls.length = 0;

	// charon installs the new inbound SA first (as UPDSA), then the new outbound one.
	const newIn = saMsg(inSa('0x20'), { addTime: 200n, type: 0x1a }), newOut = saMsg(outSa('0x21'), { addTime: 200n });
	h.kernel.emit(newIn);
	await h.mirror.settled();
	t.truthy(h.dp.find('0x20', 'in'), 'the new inbound SA is usable as soon as the kernel has it');
	t.deepEqual(h.dp.calls, ['put 0x20 in'], 'both inbound SAs pass the reqid check: no SPD change needed');
	t.like(h.dp.find('0x20', 'in'), { reqid: 1 });
	h.kernel.emit(newOut);
	await h.mirror.settled();
	t.deepEqual(h.dp.spd.out.map(p => p.spi), ['0x21'], 'outbound takes the newest SA, as the kernel does');
	t.truthy(h.dp.find('0x11', 'out'), 'the old outbound SA stays until deleted');

	h.kernel.emit(delSaMsg(oldOut), delSaMsg(oldIn));
	await h.mirror.settled();
	t.deepEqual(h.dp.spd.in.map(p => p.reqid), [1]);
	t.deepEqual(h.dp.spd.out.map(p => [p.action, p.spi]), [['protect', '0x21']]);
	// Every put precedes the policy switch, every delete follows it.
	const order = h.dp.calls.join(', ');
	t.is(order, 'put 0x20 in, put 0x21 out, spd out 1, del 0x11 out, del 0x10 in');
	await h.mirror.stop();
});

test('a soft-expired outbound SA is passed over for a live one of the same reqid', async t => {
	const h = harness();
	const a = saMsg(outSa('0x31'), { addTime: 300n }), b = saMsg(outSa('0x30'), { addTime: 100n });
	h.kernel.sas = [a, b];
	h.kernel.policies = [policyMsg({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect' }, tmplOut)];
	await h.mirror.start();
	t.deepEqual(h.dp.spd.out.map(p => p.spi), ['0x31']);
	if (a.kind !== 'sa') return;
	h.kernel.emit({ kind: 'expire', type: 0x18, flags: 0, seq: 0, pid: 0, body: { state: a.body, hard: 0 }, attrs: [] });
	await h.mirror.settled();
	t.deepEqual(h.dp.spd.out.map(p => p.spi), ['0x30']);
	h.kernel.emit({ kind: 'expire', type: 0x18, flags: 0, seq: 0, pid: 0, body: { state: a.body, hard: 1 }, attrs: [] });
	await h.mirror.settled();
	t.falsy(h.dp.find('0x31', 'out'), 'a hard expire removes the SA (the kernel sends no DELSA for it)');
	await h.mirror.stop();
});
