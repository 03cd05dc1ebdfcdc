// Two worker lcores encrypt on one outbound SA at once (each owns an RX and a TX queue), and two
// workers decrypt on the one inbound SA of the peer: sequence numbers are unique across the
// workers, increasing on each worker's queue, with no holes (every number 1..N is used once),
// and the receiver accepts every packet with no replay drop. Setup: test/dataplane/multicore.ts.
import test from 'ava';
import { espSeq, sendAndReceive } from './multicore.js';
import { scratch } from './harness.js';

test('two workers share one SA: unique, increasing sequence numbers, all accepted', async t => {
	const { dir, remove } = scratch('mc-seq');
	t.teardown(remove);
	const { total, sender, receiver, wire, delivered, senderDrops, receiverDrops } = await sendAndReceive(dir, 4, 750);
	t.deepEqual(senderDrops, {});
	t.true(wire.every(q => q.length > 0), `both workers sent: ${wire.map(q => q.length).join(' + ')}`);
	const seqs = wire.map(q => q.map(espSeq));
	for (const [k, q] of seqs.entries())
		t.true(q.every((s, i) => i === 0 || s > q[i - 1]!), `queue ${k}: increasing`);
	const all = seqs.flat().sort((a, b) => a - b);
	t.deepEqual(all, Array.from({ length: total }, (_, i) => i + 1), 'each of 1..N exactly once');
	t.is(sender.stats.sas[0]!.seq, String(total), 'the SA says the last number sent');
	t.is(sender.stats.sas[0]!.packets, total, 'per-worker counters add up');

	t.deepEqual(receiverDrops, {}, 'no replay (or any other) drop');
	t.is(receiver.stats.sas[0]!.packets, total);
	t.is(delivered.flat().length, total);
});
