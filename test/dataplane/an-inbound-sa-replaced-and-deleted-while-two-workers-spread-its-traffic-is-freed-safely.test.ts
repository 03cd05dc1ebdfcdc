// Bursts of a spread wan queue (dataplane/src/spread.c) name their SA until they are sent: the
// replay window is moved when a burst's turn comes, possibly after another worker decrypted
// it. So an SA replaced or deleted while two workers share its traffic must not be freed under
// a burst still in flight (sad.c waits for them through dp_rcu_wait). Under the koffi binding,
// with ESP of one SA replayed forever on one wan queue, the SA is replaced and deleted many
// times: the dataplane neither hangs nor crashes, counts the packets of the SA in between,
// and names every packet it could not decrypt.
//
//   esp.pcap (ESP of SA 0x100, infinite_rx) --> [wan 0] one RX queue, two workers --> [lan 1] net_null
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import type { DpSa } from '../../operator/dataplane/types.js';
import { decryptConfig, encryptConfig, frame, pcap } from '../../bench/dataplane/esp-setup.js';
import { ealArgs, runWorkers } from './multicore.js';
import { scratch } from './harness.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('an inbound SA replaced and deleted while two workers spread its traffic is freed safely', async t => {
	const { dir, remove } = scratch('mc-spreadfree');
	t.teardown(remove);
	writeFileSync(join(dir, 'lan_in.pcap'), pcap(Array.from({ length: 256 }, (_, i) => frame(64, i))));
	await runWorkers(dir, 'sender', encryptConfig, 'lan', ['lan_in.pcap'], ['esp.pcap']);
	const dp = KoffiDataplane.start({
		eal: [...ealArgs(2, 'espdpsf'), '--vdev', `net_pcap0,rx_pcap=${join(dir, 'esp.pcap')},infinite_rx=1`, '--vdev', 'net_null1,no-rx=1'],
		logPath: join(dir, 'dp.log'),
	});
	t.teardown(() => dp.shutdown());
	dp.addPort({ name: 'wan', port: 0, role: 'wan' });
	dp.addPort({ name: 'lan', port: 1, role: 'lan' });
	dp.replaceRoutes(decryptConfig.routes, decryptConfig.neighbors);
	dp.replacePolicies('in', decryptConfig.policies as never);
	// window 0: the same 256 packets come round forever
	const sa = decryptConfig.sas[0] as DpSa;
	dp.putSa(sa);
	dp.run();
	await sleep(200);
	for (let i = 0; i < 40; i++) {
		dp.putSa(sa);	// replace: the old SA object is freed
		await sleep(5);
		if (i % 4 === 3) {
			dp.delSa({ spi: sa.spi, dir: sa.dir, dst: sa.dst });
			await sleep(5);
			dp.putSa(sa);
		}
	}
	await sleep(100);
	const lcores = dp.lcoreCounters();
	dp.pause();
	const counted = dp.saCounters().find(c => c.spi === sa.spi)!;
	t.true(counted.packets > 0n, 'the SA decrypted in between');
	const drops = dp.dropCounters();
	const named = Object.entries(drops).filter(([, v]) => v > 0n).map(([k]) => k);
	t.log(`drops: ${named.join(', ') || 'none'}; busy polls per worker: ${lcores.map(l => l.busyPolls).join(' + ')}`);
	t.deepEqual(named.filter(k => k !== 'unknown_spi'), [], 'only packets arriving while the SA was deleted are dropped');
	t.is(lcores.length, 2);
});
