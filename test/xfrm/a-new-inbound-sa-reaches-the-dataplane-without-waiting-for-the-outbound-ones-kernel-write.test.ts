// In a rekey both new SAs often arrive in one burst of events. The outbound one must wait for
// its resumed sequence number to be written into the kernel (a netlink round trip); the
// inbound one needs nothing, and the peer may already be sending on it. So the inbound SA is
// put first, while the kernel write is still pending.
import test from 'ava';
import { harness, inSa, outSa, saMsg } from './mirror-harness.js';

test('a new inbound SA is in the dataplane while the outbound SA of the same burst still waits for the kernel', async t => {
	const h = harness();
	await h.mirror.start();
	let release!: () => void;
	const held = new Promise<void>(r => { release = r; });
	const batch = h.kernel.batch.bind(h.kernel);
	let waiting = false;
	h.kernel.batch = async msgs => {
		waiting = true;
		await held;
		return batch(msgs);
	};
	h.kernel.emit(saMsg(outSa('0x21')), saMsg(inSa('0x20')));
	while (!waiting) await new Promise(r => setImmediate(r));
	t.truthy(h.dp.find('0x20', 'in'), 'the inbound SA is installed before the kernel answered');
	t.falsy(h.dp.find('0x21', 'out'), 'the outbound SA waits for its sequence number to be in the kernel');
	release();
	await h.mirror.settled();
	t.truthy(h.dp.find('0x21', 'out'));
	t.deepEqual(h.dp.calls.filter(c => c.startsWith('put')), ['put 0x20 in', 'put 0x21 out']);
	await h.mirror.stop();
});
