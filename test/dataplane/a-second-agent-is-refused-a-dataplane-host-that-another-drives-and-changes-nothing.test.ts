// One client drives a dataplane host at a time (driver-seat.ts). While a first client drives
// it, `esplane agent` pointed at the same socket exits non-zero saying which pid drives it; a
// second connection may read (hello, stash, counters) but every call that would change the
// host is refused naming that pid; the host's SAs and their fingerprints are as the first put
// them, traffic keeps counting, and the first client still drives it.
//
//   lan.pcap (one UDP frame, replayed forever) --> [lan 1] host [wan 0 net_null]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { useNativeApi } from '../../operator/dataplane/abi.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { repo, run, scratch } from './harness.js';
import { hostOutSa, startDrivingClient, startHost } from './host-helpers.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('a second agent is refused a dataplane host that another drives, and changes nothing in it', async t => {
	const { dir, remove } = scratch('host-second');
	t.teardown(remove);
	const host = await startHost(dir);
	t.teardown(() => host.stop());
	const first = await startDrivingClient(dir, host.socket);
	t.teardown(() => first.kill());

	const reader = connectHost(host.socket);
	t.teardown(() => reader.close());
	useNativeApi(reader.native);
	t.teardown(() => useNativeApi(undefined));
	const dp = KoffiDataplane.attach(reader);
	const stashBefore = reader.stash();
	const before = dp.saCounters();
	t.deepEqual(before.map(c => `${c.spi} ${c.dir}`).sort(), ['0x100 out', '0x200 in']);

	const ports = join(dir, 'ports.json');
	writeFileSync(ports, JSON.stringify({ ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'] }, { name: 'lan', port: 1, role: 'lan' }] }));
	const agent = await run(process.execPath, ['--import', 'tsx', join(repo, 'operator/cli/main.ts'), 'agent',
		'--dataplane', 'dpdk', '--dp-ports', ports, '--dp-socket', host.socket, '--dp-host', 'external',
		'--config-dir', join(dir, 'tunnels'), '--control-socket', join(dir, 'agent.sock'), '--vici', join(dir, 'charon.vici'), '--metrics-port', '0',
	], { env: { ESPLANE_LOG_LEVEL: 'warn' }, timeoutMs: 180_000 });
	t.log(agent.stderr.trim().split('\n').at(-1));
	t.is(agent.code, 1, `the second agent exits non-zero: ${agent.stderr}`);
	t.true(agent.stderr.includes(`the dataplane at ${host.socket} is driven by pid ${first.pid}; `), agent.stderr);

	// a client that does not go through the agent is held to the same rule
	t.like(reader.hello(), { initialised: true, running: true, driver: first.pid }, 'reading is open to every connection');
	const refused = { code: -16, message: new RegExp(`is driven by pid ${first.pid}; `) };
	t.throws(() => reader.drive(), refused);
	t.throws(() => dp.delSa({ spi: '0x100', dir: 'out', dst: '192.0.2.2' }), refused);
	t.throws(() => dp.putSa(hostOutSa('33')), refused);
	t.throws(() => dp.pause(), refused);
	t.throws(() => reader.stashSet('ports', null), refused);
	t.throws(() => reader.shutdownHost(), refused);

	await sleep(500);
	const after = dp.saCounters();
	t.deepEqual(after.map(c => `${c.spi} ${c.dir}`).sort(), ['0x100 out', '0x200 in'], 'the SAs are the ones the first put');
	t.deepEqual(reader.stash(), stashBefore, 'and so are their fingerprints, ports and tables');
	const out = (l: typeof before) => l.find(c => c.dir === 'out')!.packets;
	t.true(out(after) > out(before), `traffic kept flowing: ${out(before)} -> ${out(after)}`);
	t.like(reader.hello(), { running: true });

	first.child.stdin.write('put 0x101\n');
	await first.printed('put 0x101');
	t.deepEqual(dp.listSas().map(k => k.spi).sort(), ['0x100', '0x101', '0x200'], 'the first client still drives the host');
	t.is(host.child.exitCode, null, 'the host is still running');
});
