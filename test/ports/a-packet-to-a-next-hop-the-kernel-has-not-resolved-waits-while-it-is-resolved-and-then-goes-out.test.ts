// lan host -> gateway (dataplane, bypass policy) -> peer on the wan. Nobody has talked to the
// peer, so the kernel has no neighbour entry for it: the first packet waits in the worker's
// hold queue, the dataplane reports the next hop, the agent's exception path asks the kernel
// to resolve it on the wan TAP (ARP goes out through the dataplane, the answer comes back
// through it), the mirror pushes the MAC, and the held packet and the following ones go out.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import test from 'ava';
import { ealArgs, repo, scratch } from '../dataplane/harness.js';
import { Ns, hasLink, makeWire, quietVeth, txChecksumOff, waitFor } from './wire.js';

/** {peer ns} => ICMP echo requests its kernel received (Icmp InEchos of /proc/net/snmp) */
function inEchos(read: () => string): number {
	const lines = read().split('\n').filter(l => l.startsWith('Icmp:'));
	const names = lines[0]?.split(/\s+/) ?? [];
	const values = lines[1]?.split(/\s+/) ?? [];
	return Number(values[names.indexOf('InEchos')] ?? NaN);
}

test('a packet to an unresolved next hop waits while the kernel resolves it through the TAP, then it and the rest go out', async t => {
	const wire = makeWire('c');
	const { dir, remove } = scratch('exc-nh');
	t.teardown(() => { wire.remove(); remove(); });
	const { gw, peer } = wire;
	// the lan: a host namespace on a second veth into the gateway
	const lanDev = 'exlc';
	const hostDev = 'exhc';
	const host = new Ns(`exc${process.pid}ch`);
	t.teardown(() => host.delete());
	gw.exec('ip', ['link', 'add', lanDev, 'type', 'veth', 'peer', 'name', hostDev, 'netns', host.name]);
	quietVeth(gw, lanDev);
	host.ip(`addr add 10.1.0.2/24 dev ${hostDev}`);
	host.ip(`link set ${hostDev} up`);
	txChecksumOff(host, hostDev);
	host.ip('route add default via 10.1.0.1');
	peer.ip(`addr add 192.0.2.2/24 dev ${wire.peerDev}`);

	const spec = {
		eal: ealArgs([`net_af_packet0,iface=${wire.gwDev}`, `net_af_packet1,iface=${lanDev}`]),
		ports: [
			{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'], exception: 'excwanc' },
			{ name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'], exception: 'exclanc' },
		],
		policies: [{ dir: 'out', src: '10.1.0.0/24', dst: '192.0.2.0/24', action: 'bypass' }],
		log: join(dir, 'dp.log'),
	};
	const child = spawn('ip', ['netns', 'exec', gw.name, process.execPath, '--import', 'tsx', join(repo, 'test/ports/exception-agent.ts'), JSON.stringify(spec)],
		{ cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ESPLANE_LOG_LEVEL: 'warn' } });
	let out = '';
	child.stdout.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr.on('data', (d: Buffer) => (out += d.toString()));
	const exited = new Promise<void>(r => child.on('close', () => r()));
	t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
	await waitFor('the exception agent', () => /^ready$/m.test(out) || child.exitCode !== null, 90_000);
	t.regex(out, /^ready$/m, out);
	t.true(hasLink(gw, 'excwanc') && hasLink(gw, 'exclanc'));
	t.regex(gw.ip('-o addr show dev excwanc'), /inet 192\.0\.2\.1\/24/, 'the agent put the port address on the TAP');
	t.deepEqual(gw.json<{ dst: string }[]>('neigh show dev excwanc').filter(n => n.dst === '192.0.2.2'), [], 'the kernel does not know the peer yet');

	const before = inEchos(() => peer.exec('cat', ['/proc/net/snmp']));
	const started = Date.now();
	// one echo request; the peer has no route back, so no reply is expected
	try { host.exec('ping', ['-c', '1', '-W', '1', '192.0.2.2']); } catch { /* no reply */ }
	await waitFor('the held echo request at the peer', () => inEchos(() => peer.exec('cat', ['/proc/net/snmp'])) > before, 5_000).catch(() => {});
	t.log(`the first packet reached the peer ${Date.now() - started} ms after it was sent`);
	t.is(inEchos(() => peer.exec('cat', ['/proc/net/snmp'])) - before, 1, `the first echo request was held, not dropped\n${out}`);
	for (let i = 0; i < 5; i++) {
		try { host.exec('ping', ['-c', '1', '-W', '0.25', '192.0.2.2']); } catch { /* no reply */ }
	}
	const reached = inEchos(() => peer.exec('cat', ['/proc/net/snmp'])) - before;
	t.true(reached >= 6, `echo requests at the peer: ${reached}`);

	child.kill('SIGTERM');
	await exited;
	const line = out.split('\n').find(l => l.includes('"resolve"'));
	t.truthy(line, out);
	const c = JSON.parse(line!) as { drops: Record<string, number>; resolve: { resolveRequests: number }; neighbors: { ip: string; mac?: string; port: string }[] };
	t.log(JSON.stringify(c.drops), JSON.stringify(c.resolve));
	t.is(c.drops['no_neighbor'] ?? 0, 0, 'no packet was dropped for want of a next hop');
	t.true(c.resolve.resolveRequests >= 1);
	const peerMac = peer.json<{ address: string }[]>(`link show ${wire.peerDev}`)[0]?.address;
	t.true(c.neighbors.some(n => n.ip === '192.0.2.2' && n.port === 'wan' && n.mac === peerMac), JSON.stringify(c.neighbors));
});
