// The dataplane owns the wire (af_packet on a veth); the gateway's wan address lives on the
// kernel side of the port's exception TAP. A peer on the wire resolves that address (ARP, ND)
// and pings it: the answers come from the kernel through the TAP, with the wire's MAC, and the
// port's counters show the frames going both ways.
import test from 'ava';
import { scratch } from '../dataplane/harness.js';
import { hasLink, makeWire, startRunner, waitFor } from './wire.js';

const TAP = 'excwan0';

test('ARP, ND and ping to the gateway wan address are answered by the kernel through the TAP', async t => {
	const wire = makeWire('a');
	const { dir, remove } = scratch('exc-arp');
	t.teardown(() => { wire.remove(); remove(); });
	const { gw, peer } = wire;
	const dp = startRunner(gw, dir, {
		ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24', '2001:db8::1/64'], exception: TAP }],
	}, [`net_af_packet0,iface=${wire.gwDev}`]);
	let stopped = false;
	t.teardown(async () => { if (!stopped) await dp.stop().catch(() => undefined); });

	await waitFor(`the TAP ${TAP}`, () => hasLink(gw, TAP) || dp.child.exitCode !== null, 60_000);
	t.true(hasLink(gw, TAP), dp.output());
	gw.ip(`addr add 192.0.2.1/24 dev ${TAP}`);
	gw.ip(`addr add 2001:db8::1/64 dev ${TAP} nodad`);
	gw.ip(`link set ${TAP} up`);
	peer.ip(`addr add 192.0.2.2/24 dev ${wire.peerDev}`);
	peer.ip(`addr add 2001:db8::2/64 dev ${wire.peerDev} nodad`);

	const wireMac = (gw.json<{ address: string }[]>(`link show ${wire.gwDev}`)[0]?.address);
	t.is(gw.json<{ address: string }[]>(`link show ${TAP}`)[0]?.address, wireMac, 'the TAP carries the port MAC');

	const ping4 = peer.exec('ping', ['-c', '5', '-i', '0.2', '-W', '5', '192.0.2.1']);
	const ping6 = peer.exec('ping', ['-6', '-c', '5', '-i', '0.2', '-W', '5', '2001:db8::1']);
	t.log(ping4.split('\n').find(l => l.startsWith('rtt')) ?? ping4);
	t.log(ping6.split('\n').find(l => l.startsWith('rtt')) ?? ping6);
	t.regex(ping4, / 5 received, 0% packet loss/);
	t.regex(ping6, / 5 received, 0% packet loss/);
	t.notRegex(ping4 + ping6, /DUP!/, 'only the TAP answers, not the veth under af_packet');

	const learned = peer.json<{ dst: string; lladdr?: string }[]>(`neigh show dev ${wire.peerDev}`);
	t.is(learned.find(n => n.dst === '192.0.2.1')?.lladdr, wireMac, 'ARP answered with the wire MAC');
	t.is(learned.find(n => n.dst === '2001:db8::1')?.lladdr, wireMac, 'ND answered with the wire MAC');

	stopped = true;
	const stats = await dp.stop();
	const wan = stats.ports.find(p => p['name'] === 'wan');
	t.true(Number(wan?.['exc_to_kernel']) >= 12, JSON.stringify(wan)); // 10 echo requests + ARP + NS
	t.true(Number(wan?.['exc_from_kernel']) >= 12, JSON.stringify(wan));
	t.false(hasLink(gw, TAP), 'the TAP goes away with the dataplane');
});
