// ESP of one SA from one peer arrives on one RX queue (RSS cannot tell its inner flows apart).
// With ESPLANE_DP_SPREAD=1 the other worker polls that queue too while it is backed up:
// both decrypt on the one SA, every packet is accepted once, and every flow comes out
// complete and in order. Setup: test/dataplane/multicore.ts.
import { join } from 'node:path';
import test from 'ava';
import { readPcap, receiveSpread, receiverConfig, runWorkers, senderConfig, writeFlows, writePcap } from './multicore.js';
import { nonZero, scratch } from './harness.js';

test('one inbound SA on one RX queue is decrypted by both workers, flows in order', async t => {
	const { dir, remove } = scratch('mc-spread');
	t.teardown(remove);
	const flows = 4;
	const perFlow = 2500;
	writeFlows(dir, flows, perFlow);
	const sent = await runWorkers(dir, 'sender', senderConfig, 'lan', ['lan_in_0.pcap', 'lan_in_1.pcap'], ['wan_out_0.pcap', 'wan_out_1.pcap']);
	t.deepEqual(nonZero(sent.stats.drops), {});
	// the peer's one RX queue: both sender queues one after the other, one SA, one stream (the
	// two workers' sequence numbers interleave: receiverConfig's window is the widest)
	const ordered = [0, 1].flatMap(k => readPcap(join(dir, `wan_out_${k}.pcap`)).map(p => p.frame));
	writePcap(join(dir, 'one_queue.pcap'), ordered);
	t.true(await receiveSpread(t, dir, receiverConfig, 'one_queue.pcap', 2 * flows, perFlow, { ESPLANE_DP_SPREAD: '1' }),
		'in one of three runs both workers decrypted');
});
