// esp_dp_port_set_addresses while the workers run (a node's wan address annotation changed):
// cleartext to the new address goes to the exception TAP from then on, where before it was
// dropped as not_local (the kernel could route it on); no restart, no packet to the old set.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { pcap } from '../../bench/dataplane/esp-setup.js';
import { scratch } from '../dataplane/harness.js';
import { Ns } from './wire.js';

// IKE (UDP 500) from 192.0.2.2 to 192.0.2.9
const ike = (() => {
	const udp = Buffer.alloc(8 + 28, 1);
	udp.writeUInt16BE(500, 0); udp.writeUInt16BE(500, 2); udp.writeUInt16BE(udp.length, 4); udp.writeUInt16BE(0, 6);
	const ip = Buffer.from([0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 2, 192, 0, 2, 9]);
	ip.writeUInt16BE(20 + udp.length, 2);
	return Buffer.concat([Buffer.from('020000000001020000000002', 'hex'), Buffer.from([8, 0]), ip, udp]);
})();

test('a wan address changed while running is the node\'s own from then on', t => {
	const ns = new Ns(`nodewan-a${process.pid}`);
	const { dir, remove } = scratch('nodewan-addr');
	t.teardown(() => { ns.delete(); remove(); });
	writeFileSync(join(dir, 'wan.pcap'), pcap([ike]));
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	const eal = ['-l', '0,1', '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry', '--file-prefix', `nwaddr${process.pid}`,
		'--vdev', `net_pcap0,rx_pcap=${join(dir, 'wan.pcap')},infinite_rx=1`, '--vdev', `net_pcap1,rx_pcap=${join(dir, 'empty.pcap')}`];
	const run = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', join(repoRoot, 'test/ports/address-change-agent.ts'), JSON.stringify({ eal })],
		{ cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
	t.is(run.status, 0, run.stderr.slice(-2000));
	const { before, after } = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<'before' | 'after', { toKernel: number; notLocal: number }>;
	t.log({ before, after });
	t.true(before.notLocal > 0, 'to an address not the port\'s: dropped');
	t.is(before.toKernel, 0, 'nothing reaches the TAP before');
	t.true(after.toKernel > 0, 'to the new address: the TAP\'s');
	t.is(after.notLocal, 0, 'no drop after');
});
