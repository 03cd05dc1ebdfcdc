// ESP of one SA from one peer arrives on one RX queue (RSS cannot tell its inner flows apart).
// With ESPLANE_DP_SPREAD=1 the worker polling that queue hands bursts to the other worker:
// both decrypt on the one SA, every packet is accepted once, and every flow comes out
// complete and in order. Setup: test/dataplane/multicore.ts.
import { join } from 'node:path';
import test from 'ava';
import { flowOf, readPcap, receiverConfig, runWorkers, senderConfig, writeFlows, writePcap } from './multicore.js';
import { nonZero, scratch } from './harness.js';

test('one inbound SA on one RX queue is decrypted by both workers, flows in order', async t => {
	const { dir, remove } = scratch('mc-spread');
	t.teardown(remove);
	const flows = 4;
	const perFlow = 2500;
	const total = writeFlows(dir, flows, perFlow);
	const sent = await runWorkers(dir, 'sender', senderConfig, 'lan', ['lan_in_0.pcap', 'lan_in_1.pcap'], ['wan_out_0.pcap', 'wan_out_1.pcap']);
	t.deepEqual(nonZero(sent.stats.drops), {});
	// the peer's one RX queue: both sender queues one after the other, one SA, one stream
	const ordered = [0, 1].flatMap(k => readPcap(join(dir, `wan_out_${k}.pcap`)).map(p => p.frame));
	writePcap(join(dir, 'one_queue.pcap'), ordered);

	// order and exact acceptance must hold on every run; a run counts as spread when both
	// workers decrypted (a loaded machine may leave the second one descheduled throughout, and
	// then the first takes its bursts back)
	let spread = false;
	for (let attempt = 1; attempt <= 3 && !spread; attempt++) {
		const r = await runWorkers(dir, `receiver${attempt}`, receiverConfig, 'wan', ['one_queue.pcap'], [`lan_out_0_${attempt}.pcap`, `lan_out_1_${attempt}.pcap`], { ESPLANE_DP_SPREAD: '1' });
		t.deepEqual(nonZero(r.stats.drops), {}, 'no replay (or any other) drop');
		t.is(r.stats.sas[0]!.packets, total);
		const workers = r.stats.workers ?? [];
		t.is(workers.length, 2);
		t.is(workers.filter(w => w.rx_packets > 0).length, 1, 'one worker polled the one queue');
		spread = workers.every(w => w.esp_packets > 0);
		t.log(`run ${attempt}: decrypted ${workers.map(w => w.esp_packets).join(' + ')}`);

		const out = [0, 1].flatMap(k => readPcap(join(dir, `lan_out_${k}_${attempt}.pcap`)).map(p => flowOf(p.frame)));
		t.is(out.length, total);
		const byFlow = new Map<number, number[]>();
		for (const [flow, idx] of out) byFlow.set(flow, [...(byFlow.get(flow) ?? []), idx]);
		t.is(byFlow.size, 2 * flows);
		for (const [flow, idx] of byFlow)
			t.deepEqual(idx, Array.from({ length: perFlow }, (_, i) => i), `flow ${flow} complete and in order`);
	}
	t.true(spread, 'in one of three runs both workers decrypted');
});
