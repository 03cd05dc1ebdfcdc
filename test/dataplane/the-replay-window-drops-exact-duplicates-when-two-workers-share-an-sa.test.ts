// The same ESP stream arrives on both RX queues (a NIC that spreads one SA over queues, or an
// attacker replaying to a second queue): two workers check one SA's replay window at once, and
// every sequence number is accepted exactly once; each copy is counted as a replay drop.
// Setup: test/dataplane/multicore.ts.
import test from 'ava';
import { flowOf, readPcap, receiverConfig, runWorkers, senderConfig, writeFlows, writePcap } from './multicore.js';
import { nonZero, scratch } from './harness.js';
import { join } from 'node:path';

test('two workers on one inbound SA accept each sequence number once and drop every copy', async t => {
	const { dir, remove } = scratch('mc-dup');
	t.teardown(remove);
	const total = writeFlows(dir, 4, 500);
	// one sender worker's worth of ESP: encrypt both inputs, then concatenate them into one stream
	const sent = await runWorkers(dir, 'sender', senderConfig, 'lan', ['lan_in_0.pcap', 'lan_in_1.pcap'], ['wan_out_0.pcap', 'wan_out_1.pcap']);
	t.deepEqual(nonZero(sent.stats.drops), {});
	const stream = [0, 1].flatMap(k => readPcap(join(dir, `wan_out_${k}.pcap`)).map(p => p.frame));
	t.is(stream.length, total);
	writePcap(join(dir, 'copy_0.pcap'), stream);
	writePcap(join(dir, 'copy_1.pcap'), stream);

	const r = await runWorkers(dir, 'receiver', receiverConfig, 'wan', ['copy_0.pcap', 'copy_1.pcap'], ['lan_out_0.pcap', 'lan_out_1.pcap']);
	const sa = r.stats.sas[0]!;
	t.is(sa.packets, total, 'each sequence number accepted once');
	t.deepEqual(nonZero(sa.drops), { replay: total }, 'each copy dropped as a replay');
	const out = [0, 1].flatMap(k => readPcap(join(dir, `lan_out_${k}.pcap`)).map(p => flowOf(p.frame).join('/')));
	t.is(new Set(out).size, total, 'no inner packet delivered twice');
	t.is(out.length, total);
});
