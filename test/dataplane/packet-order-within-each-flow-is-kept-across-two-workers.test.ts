// With two worker lcores on one SA, each flow stays on one worker (one RX queue, as RSS keeps
// it) and its packets come out in the order they went in, through encryption on two workers
// and decryption on two workers. Setup: test/dataplane/multicore.ts.
import test from 'ava';
import { flowOf, sendAndReceive } from './multicore.js';
import { scratch } from './harness.js';

test('every flow arrives complete and in order through two workers each way', async t => {
	const { dir, remove } = scratch('mc-order');
	t.teardown(remove);
	const flows = 6;
	const perFlow = 300;
	const { delivered, receiverDrops } = await sendAndReceive(dir, flows, perFlow);
	t.deepEqual(receiverDrops, {});
	const seen = new Map<number, { queue: number; idx: number[] }>();
	for (const [queue, frames] of delivered.entries()) {
		for (const f of frames) {
			const [flow, idx] = flowOf(f);
			const s = seen.get(flow) ?? { queue, idx: [] };
			t.is(s.queue, queue, `flow ${flow} left on one queue only`);
			s.idx.push(idx);
			seen.set(flow, s);
		}
	}
	t.is(seen.size, flows * 2, 'every flow of both input queues arrived');
	for (const [flow, s] of seen)
		t.deepEqual(s.idx, Array.from({ length: perFlow }, (_, i) => i), `flow ${flow} complete and in order`);
});
