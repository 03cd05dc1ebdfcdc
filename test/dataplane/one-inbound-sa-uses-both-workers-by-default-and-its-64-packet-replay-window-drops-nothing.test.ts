// ESP of one SA from one peer arrives on one RX queue. With two workers and no setting at all
// the other worker polls that queue too while it is backed up (dataplane/src/spread.c); the SA
// has the operator's default replay window of 64, narrower than the bursts two cores have in
// flight: the window must still move in arrival order, so that no packet a single core would
// accept is dropped as too old, and every flow must leave complete and in order.
// Setup: test/dataplane/multicore.ts.
import { join } from 'node:path';
import test from 'ava';
import { innerFrame, readPcap, receiveSpread, receiverConfig, runWorkers, senderConfig, writePcap } from './multicore.js';
import { nonZero, scratch } from './harness.js';

test('one inbound SA on one RX queue is decrypted by both workers by default, window 64 exact, flows in order', async t => {
	const { dir, remove } = scratch('mc-spread64');
	t.teardown(remove);
	const flows = 8;
	const perFlow = 2500;
	const frames: Buffer[] = [];
	for (let i = 0; i < perFlow; i++)
		for (let f = 0; f < flows; f++) frames.push(innerFrame(2000 + f, i));
	writePcap(join(dir, 'lan_in.pcap'), frames);
	// one lan queue: one worker encrypts, so the wire carries sequence numbers 1, 2, 3... in order
	const sent = await runWorkers(dir, 'sender', senderConfig, 'lan', ['lan_in.pcap'], ['wan_out.pcap']);
	t.deepEqual(nonZero(sent.stats.drops), {});
	t.is(readPcap(join(dir, 'wan_out.pcap')).length, frames.length);

	const receiver = { ...receiverConfig, sas: receiverConfig.sas.map(sa => ({ ...sa, replayWindow: 64 })) };
	t.true(await receiveSpread(t, dir, receiver, 'wan_out.pcap', flows, perFlow), 'in one of three runs both workers decrypted');
});
