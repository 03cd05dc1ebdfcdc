// The driver's seat of a dataplane host (driver-seat.ts) is its driver's connection: the
// kernel closes it when the driver is SIGKILLed, so the successor (a restarted agent) drives
// the host on its first try, without waiting or retrying, and what it changes takes effect.
// It connected while the first was alive, as a restarted agent may, and was refused then.
//
//   lan.pcap (one UDP frame, replayed forever) --> [lan 1] host [wan 0 net_null]
import test from 'ava';
import { useNativeApi } from '../../operator/dataplane/abi.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { scratch } from './harness.js';
import { hostOutSa, startDrivingClient, startHost } from './host-helpers.js';

test('a new client drives a dataplane host at once when its driver is killed', async t => {
	const { dir, remove } = scratch('host-successor');
	t.teardown(remove);
	const host = await startHost(dir);
	t.teardown(() => host.stop());
	const first = await startDrivingClient(dir, host.socket);
	t.teardown(() => first.kill());

	const next = connectHost(host.socket);
	t.teardown(() => next.close());
	t.throws(() => next.drive(), { code: -16 }, 'refused while the first is alive');

	await first.kill();
	const killed = Date.now();
	next.drive(); // no retry: the seat must be free once the driver's process is gone
	t.log(`driving ${Date.now() - killed} ms after the driver's exit`);

	useNativeApi(next.native);
	t.teardown(() => useNativeApi(undefined));
	const dp = KoffiDataplane.attach(next);
	t.true(dp.holds(hostOutSa()), 'the SAs the first put are there to adopt');
	dp.delSa({ spi: '0x200', dir: 'in', dst: '192.0.2.1' });
	dp.putSa({ ...hostOutSa('44'), spi: '0x102' });
	t.deepEqual(dp.listSas().map(k => k.spi).sort(), ['0x100', '0x102'], 'the new driver changes the host');
	t.like(next.hello(), { initialised: true, running: true, driver: process.pid });
});
