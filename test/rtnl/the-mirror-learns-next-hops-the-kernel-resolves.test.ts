import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

interface IpLink { address: string }

test('the mirror learns MACs from real ARP and ND, and resolve() makes the kernel find a next hop', async (t) => {
	const topo = twoNamespaces();
	topo.b.batch(['addr add 192.0.2.3/24 dev peer0', 'addr add 2001:db8::3/64 dev peer0 nodad']);
	const peerMac = topo.b.json<IpLink[]>('link show peer0')[0]?.address;
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'warn' }) });
	const macOf = (ip: string): string | undefined => control.neighbors.get(`wan|${ip}`)?.mac;
	try {
		t.regex(peerMac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
		await mirror.start();
		t.is(macOf('192.0.2.2'), undefined, 'nothing learned before traffic');

		// traffic from the node resolves the peer with ARP; the learned MAC reaches the dataplane
		topo.a.exec('ping', ['-c', '1', '-W', '2', '192.0.2.2']);
		const arp = await settle(() => macOf('192.0.2.2'), () => peerMac);
		t.is(arp.actual, peerMac, 'ARP-learned MAC mirrored');
		t.log(`ARP: learned MAC mirrored ${arp.ms} ms after ping returned`);

		// the dataplane asks: the kernel resolves, IPv4 (ARP) and IPv6 (ND)
		for (const ip of ['192.0.2.3', '2001:db8::3']) {
			t.is(macOf(ip), undefined, `${ip} unknown before resolve()`);
			const t0 = Date.now();
			await mirror.resolve(ip, 'wan');
			// ND right after the link comes up retransmits once (1 s): allow for it on a busy machine
			const r = await settle(() => macOf(ip), () => peerMac, 6000);
			t.is(r.actual, peerMac, `${ip} resolved by resolve()`);
			t.log(`resolve(${ip}): MAC in the dataplane after ${Date.now() - t0} ms`);
		}

		// nobody has this address: the dataplane sees it as a next hop without a MAC
		await mirror.resolve('192.0.2.99', 'wan');
		const pending = await settle(() => control.neighbors.get('wan|192.0.2.99'), () => ({ ip: '192.0.2.99', port: 'wan' }));
		t.deepEqual(pending.actual, { ip: '192.0.2.99', port: 'wan' }, 'unresolved next hop mirrored without a MAC');
		await t.throwsAsync(() => mirror.resolve('192.0.2.2', 'nosuchport'), { message: /no exception interface/ });
	} finally {
		mirror.stop();
		topo.close();
	}
});
