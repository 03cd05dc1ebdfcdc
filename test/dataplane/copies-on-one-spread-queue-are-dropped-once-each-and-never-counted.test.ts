// Copies of ESP packets on the one RX queue of an SA whose bursts two workers decrypt (spread,
// on by default): a copy in the same burst as its original, or in a later burst that another
// worker may decrypt at the same time, passes the replay check before decryption while the
// original is still in flight. The window then moves in arrival order when the bursts are
// sent, and the copy must be dropped there as a replay, uncounted: every copy dropped once,
// every original accepted once, every flow complete and in order. Setup: multicore.ts.
import { join } from 'node:path';
import test from 'ava';
import { innerFrame, readPcap, receiveSpread, receiverConfig, runWorkers, senderConfig, writePcap } from './multicore.js';
import { nonZero, scratch } from './harness.js';

test('copies on one spread queue are dropped as replays exactly once and not counted as accepted', async t => {
	const { dir, remove } = scratch('mc-spreaddup');
	t.teardown(remove);
	const flows = 8;
	const perFlow = 2500;
	const frames: Buffer[] = [];
	for (let i = 0; i < perFlow; i++)
		for (let f = 0; f < flows; f++) frames.push(innerFrame(3000 + f, i));
	writePcap(join(dir, 'lan_in.pcap'), frames);
	const sent = await runWorkers(dir, 'sender', senderConfig, 'lan', ['lan_in.pcap'], ['wan_out.pcap']);
	t.deepEqual(nonZero(sent.stats.drops), {});
	const wire = readPcap(join(dir, 'wan_out.pcap')).map(p => p.frame);
	t.is(wire.length, frames.length);
	// every 10th packet again right after itself (same burst), every 10th + 5 again 40 packets
	// later (the next burst of 32 or the one after)
	const input: Buffer[] = [];
	let copies = 0;
	for (let i = 0; i < wire.length; i++) {
		input.push(wire[i]!);
		if (i % 10 === 0) { input.push(wire[i]!); copies++; }
		if (i >= 40 && (i - 40) % 10 === 5) { input.push(wire[i - 40]!); copies++; }
	}
	writePcap(join(dir, 'with_copies.pcap'), input);
	const receiver = { ...receiverConfig, sas: receiverConfig.sas.map(sa => ({ ...sa, replayWindow: 64 })) };
	t.true(await receiveSpread(t, dir, receiver, 'with_copies.pcap', flows, perFlow, {}, { replay: copies }),
		'in one of three runs both workers decrypted');
});
