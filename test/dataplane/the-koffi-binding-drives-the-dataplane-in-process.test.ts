// The koffi binding (operator/dataplane/binding.ts) starts the dataplane inside this Node
// process and drives it the way the XFRM mirror will: SAs put, read back, replaced and deleted,
// policies and routes swapped while workers poll, drop names read from the C table. A protect
// policy whose SA is missing drops its traffic as no_sa and nothing leaves in clear.
//
//   lan.pcap (3 x 10.1.0.1 -> 10.2.0.1, replayed forever) --> [lan 1] esplane [wan 0] --> wan.pcap
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { isDataplaneError } from '../../operator/dataplane/error.js';
import type { DpSa } from '../../operator/dataplane/types.js';
import { pcap } from '../../bench/dataplane/esp-setup.js';
import { pcapFrames, scratch, udpFrame } from './harness.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const outSa = (key: string): DpSa => ({
	spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2',
	aead: { name: 'rfc4106(gcm(aes))', key: `0x${key.repeat(20)}`, icvBits: 128 },
});

test('SAs, policies and routes are driven in-process and a protect policy without its SA never leaks', async t => {
	const { dir, remove } = scratch('koffi');
	t.teardown(remove);
	writeFileSync(join(dir, 'lan.pcap'), pcap([0, 1, 2].map(() => udpFrame([10, 1, 0, 1], [10, 2, 0, 1]))));
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	const wanOut = join(dir, 'wan.pcap');
	const dp = KoffiDataplane.start({
		eal: ['-l', '0,1', '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry', '--file-prefix', `espdp${process.pid}`,
			'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')},tx_pcap=${wanOut}`,
			'--vdev', `net_pcap1,rx_pcap=${join(dir, 'lan.pcap')},infinite_rx=1`],
		logPath: join(dir, 'dp.log'),
	});
	t.teardown(() => dp.shutdown());

	t.deepEqual(KoffiDataplane.dropNames().slice(0, 5), ['malformed', 'non_esp', 'truncated', 'unknown_spi', 'replay']);
	t.true(KoffiDataplane.dropNames().includes('no_sa'));

	dp.addPort({ name: 'wan', port: 0, role: 'wan' });
	dp.addPort({ name: 'lan', port: 1, role: 'lan', mtu: 1500 });
	// the MTU the agent mirrors from the kernel link: range-checked, per port by name
	dp.setPortMtu('wan', 1400);
	t.throws(() => dp.setPortMtu('wan', 100), { message: /ports\.mtu: 100, must be 576\.\.9216/ });
	t.throws(() => dp.setPortMtu('dmz', 1400), { message: /no port named "dmz"/ });
	dp.replaceRoutes([{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }],
		[{ ip: '192.0.2.254', mac: '02:00:00:00:00:fe', port: 'wan' }]);

	// the forwarding surface the kernel mirror uses: neighbours one by one, routes as a table
	dp.putNeighbor({ ip: '192.0.2.9', port: 'wan' }); // still resolving: listed, not forwarded to
	dp.putNeighbor({ ip: '192.0.2.9', mac: '02:00:00:00:00:09', port: 'wan' });
	t.deepEqual(dp.listNeighbors().find(n => n.ip === '192.0.2.9'), { ip: '192.0.2.9', mac: '02:00:00:00:00:09', port: 'wan' });
	dp.delNeighbor({ ip: '192.0.2.9', port: 'wan' });
	t.deepEqual(dp.listNeighbors(), [{ ip: '192.0.2.254', mac: '02:00:00:00:00:fe', port: 'wan' }]);
	t.deepEqual(dp.listRoutes(), [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }]);
	t.throws(() => dp.replaceRoutes([{ dst: '10.0.0.0/8', port: 'dmz' }]), { message: /routes\[0\]\.port: no port named "dmz"/ });
	t.is(dp.listRoutes().length, 1, 'a refused table leaves the old one');

	dp.putSa(outSa('11'));
	t.deepEqual(dp.listSas(), [{ spi: '0x100', dir: 'out', dst: '192.0.2.2' }]);
	dp.putSa(outSa('22')); // replace: same key, new material
	t.is(dp.listSas().length, 1);
	// an inbound SA resumed at seq 100 with a 64-packet window: everything up to 100 counts as seen
	dp.putSa({ ...outSa('66'), spi: '0x200', dir: 'in', src: '192.0.2.2', dst: '192.0.2.1', replayWindow: 64, seq: 100 });
	const inbound = dp.saCounters().find(c => c.dir === 'in');
	t.is(inbound?.seq, 100n);
	t.deepEqual(Array.from(inbound?.replayBitmap ?? []), [0xffffffff, 0xffffffff]);
	dp.delSa({ spi: '0x200', dir: 'in', dst: '192.0.2.1' });
	t.throws(() => dp.putSa({ ...outSa('77'), mssClamp: 20 }), { message: /mssClamp: 20, must be 0 \(off\) or 88/ });
	const err = t.throws(() => dp.putSa({ ...outSa('33'), aead: { name: 'rfc4106(gcm(aes))', key: '0x1234', icvBits: 128 } }));
	t.true(isDataplaneError(err));
	t.regex(err?.message ?? '', /aead\.key: 2 bytes/);

	// traffic flows into a protect policy naming SA 0x999, which does not exist
	dp.replacePolicies('out', [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x999' }]);
	dp.run();
	await sleep(300);
	// tables change under running workers (RCU): many replaces of the SA and the SPD
	for (let i = 0; i < 50; i++) {
		dp.putSa(outSa(i % 2 ? '44' : '55'));
		dp.replacePolicies('out', [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x999', priority: i }]);
	}
	dp.pause();
	const drops = dp.dropCounters();
	t.true(drops['no_sa']! > 0n, 'dropped as no_sa');
	const lan = dp.portCounters().find(p => p.port === 1)!;
	t.is(drops['no_sa'], lan.rxPackets, 'every packet received was dropped as no_sa');
	t.is(dp.portCounters().find(p => p.port === 0)?.txPackets, 0n);

	// with the SA present the same flow is protected
	dp.replacePolicies('out', [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x100' }]);
	dp.run();
	await sleep(200);
	dp.delSa({ spi: '0x100', dir: 'out', dst: '192.0.2.2' }); // deleted while traffic flows
	await sleep(100);
	dp.pause();
	t.deepEqual(dp.listSas(), []);
	t.notThrows(() => dp.delSa({ spi: '0x100', dir: 'out', dst: '192.0.2.2' }), 'deleting a missing SA is a no-op');
	const sent = dp.portCounters().find(p => p.port === 0)!.txPackets;
	t.true(sent > 0n, 'protected traffic left on wan');
	dp.shutdown();
	const frames = pcapFrames(wanOut);
	t.is(BigInt(frames.length), sent);
	t.true(frames.every(f => f[23] === 50), 'everything on wan is ESP');
});
