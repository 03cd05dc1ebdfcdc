// The dataplane host (`esplane dataplane-host`) holds the library in a process of its own. A
// client process sets it up over the socket (EAL, ports, SAs, SPD, routes) and is killed with
// SIGKILL while traffic flows; a new client attaches: the host reports itself initialised and
// running, the SAs are the same ones, their counters and sequence numbers ran on through the
// kill (not reset, not jumped), the fingerprints say which SA is held exactly, and the socket
// is reachable by its owner only.
//
//   lan.pcap (one UDP frame, replayed forever) --> [lan 1] host [wan 0 net_null]
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import test from 'ava';
import { useNativeApi } from '../../operator/dataplane/abi.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { scratch } from './harness.js';
import { hostInSa, hostOutSa, startDrivingClient, startHost } from './host-helpers.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('SAs in a dataplane host keep their counters and sequence numbers when the client that put them is killed', async t => {
	const { dir, remove } = scratch('host-kill');
	t.teardown(remove);
	const host = await startHost(dir);
	t.teardown(() => host.stop());

	t.is(statSync(host.socket).mode & 0o777, 0o600, 'the socket is its owner\'s only');
	t.is(statSync(dirname(host.socket)).mode & 0o777, 0o700, 'in a directory only its owner can enter');

	const first = await startDrivingClient(dir, host.socket);
	t.teardown(() => first.kill());
	await sleep(1000);

	const client = connectHost(host.socket);
	t.teardown(() => client.close());
	useNativeApi(client.native);
	const before = (() => {
		const dp = KoffiDataplane.attach(client);
		return dp.saCounters().find(c => c.dir === 'out')!;
	})();
	t.true(before.packets > 0n, 'the outbound SA carries traffic');

	await first.kill();
	await sleep(1500);

	const hello = client.hello();
	t.like(hello, { initialised: true, running: true, spawned: false, driver: null }, 'nobody drives it now');
	t.deepEqual([...hello.ports].sort(), [0, 1]);
	const dp = KoffiDataplane.attach(client);
	t.is(dp.portId('lan'), 1, 'the port names come back from the host');
	t.deepEqual(dp.listRoutes(), [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }], 'and the forwarding tables');
	const after = dp.saCounters();
	t.deepEqual(after.map(c => `${c.spi} ${c.dir}`).sort(), ['0x100 out', '0x200 in']);
	const out2 = after.find(c => c.dir === 'out')!;
	t.true(out2.packets > before.packets, `counters ran on: ${before.packets} -> ${out2.packets}`);
	t.true(out2.seq > before.seq, 'the sequence number ran on');
	// no restart jump (2^25 would be the agent's margin): the sequence number still follows the packets sent
	const drift = out2.seq > out2.packets ? out2.seq - out2.packets : out2.packets - out2.seq;
	t.true(drift < 1n << 20n, `seq ${out2.seq} follows packets ${out2.packets}`);
	t.is(after.find(c => c.dir === 'in')?.seq, 100n, 'the inbound replay state is the one put');

	t.true(dp.holds(hostOutSa()), 'the host holds exactly the outbound SA');
	t.true(dp.holds({ ...hostInSa(), seq: 5000n }), 'sequence state is not part of what makes an SA the same');
	t.false(dp.holds(hostOutSa('22')), 'other keys: another SA');
	t.false(dp.holds({ ...hostOutSa(), spi: '0x101' }), 'an SA never put');

	useNativeApi(undefined);
	client.shutdownHost();
	t.is(await host.exited, 0, 'the host shut down cleanly');
});
