import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

interface IpLink { address: string }

// an on-link IPsec peer is its own next hop (no route gateway): once the dataplane has asked
// for it, the mirror re-validates it on each resync like a gateway
test('a next hop the dataplane asked for is re-validated on each resync, so its new MAC is followed', async (t) => {
	const topo = twoNamespaces();
	topo.a.batch(['ntable change name arp_cache dev esp-wan0 base_reachable 300 delay_probe 200 retrans 100 ucast_probes 2']);
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, resyncMs: 300, logger: createLogger('test', { level: 'warn' }) });
	const macOf = (ip: string): string | undefined => control.neighbors.get(`wan|${ip}`)?.mac;
	try {
		const oldMac = topo.b.json<IpLink[]>('link show peer0')[0]?.address;
		await mirror.start();
		await mirror.resolve('192.0.2.2', 'wan');
		const first = await settle(() => macOf('192.0.2.2'), () => oldMac);
		t.is(first.actual, oldMac);

		const newMac = '02:00:00:00:bb:02';
		topo.b.batch([`link set peer0 address ${newMac}`]);
		const moved = await settle(() => macOf('192.0.2.2'), () => newMac, 10_000);
		t.is(moved.actual, newMac);
		t.log(`new peer MAC in the dataplane ${moved.ms} ms after the peer changed it (resync 300 ms)`);
	} finally {
		mirror.stop();
		topo.close();
	}
});
