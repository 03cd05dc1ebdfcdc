// The busy ratio's inputs (esp_dp_lcore_stats through the koffi binding): two workers, one
// polling a lan port that replays traffic forever, the other a wan port that receives
// nothing. Between two readings the idle worker spent (almost) none of its cycles in busy
// polls and the loaded one most of them. Only order and ranges are asserted, never a speed:
// the machine is shared, and a descheduled worker's lost time counts to the loop it was in.
//
//   empty.pcap --> [wan 0] worker 0 (lcore 1): idle
//   lan.pcap (infinite_rx, no policy: discarded) --> [lan 1] worker 1 (lcore 2): busy
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { lcoreBusyRatios } from '../../operator/agent/lcore-busy.js';
import { frame, pcap } from '../../bench/dataplane/esp-setup.js';
import { ealArgs } from './multicore.js';
import { scratch } from './harness.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('a worker polling a busy port spends most cycles in busy polls, an idle one almost none', async t => {
	const { dir, remove } = scratch('lcore-busy');
	t.teardown(remove);
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	writeFileSync(join(dir, 'lan.pcap'), pcap(Array.from({ length: 64 }, (_, i) => frame(64, i))));
	const dp = KoffiDataplane.start({
		eal: [...ealArgs(2, 'espdpl'), '--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')}`,
			'--vdev', `net_pcap1,rx_pcap=${join(dir, 'lan.pcap')},infinite_rx=1`],
		logPath: join(dir, 'dp.log'),
	});
	t.teardown(() => dp.shutdown());
	t.deepEqual(dp.lcoreCounters().map(l => [l.lcore, l.worker, l.polls]), [[1, 0, 0n], [2, 1, 0n]], 'nothing counted before the workers start');
	dp.addPort({ name: 'wan', port: 0, role: 'wan' });
	dp.addPort({ name: 'lan', port: 1, role: 'lan' });
	dp.run();
	await sleep(300);
	const before = dp.lcoreCounters();
	await sleep(700);
	const after = dp.lcoreCounters();
	dp.pause();

	for (const l of after) {
		t.true(l.tscHz > 0n, 'the TSC rate is given');
		t.true(l.busyPolls <= l.polls && l.busyCycles <= l.totalCycles, `lcore ${l.lcore}: busy never exceeds total`);
		t.true(l.totalCycles > before.find(b => b.lcore === l.lcore)!.totalCycles, `lcore ${l.lcore} kept counting`);
	}
	const [idle, busy] = lcoreBusyRatios(before, after);
	t.is(idle?.lcore, 1);
	t.is(busy?.lcore, 2);
	t.log(`busy ratio: idle worker ${idle?.busyRatio.toFixed(3)}, loaded worker ${busy?.busyRatio.toFixed(3)}`);
	t.true(idle!.busyRatio < 0.05, `the idle worker is near 0 (${idle?.busyRatio})`);
	t.true(busy!.busyRatio > 0.5, `the loaded worker spends most of its cycles on packets (${busy?.busyRatio})`);
	const idleNow = after.find(l => l.lcore === 1)!;
	t.is(idleNow.busyPolls, 0n, 'a worker that never received a packet had no busy poll');
	t.true(after.find(l => l.lcore === 2)!.busyPolls > 0n);

	// stopped workers count nothing: the ratio over a pause is 0, not a stale value
	const paused = dp.lcoreCounters();
	await sleep(100);
	t.deepEqual(lcoreBusyRatios(paused, dp.lcoreCounters()).map(l => l.busyRatio), [0, 0]);
});
