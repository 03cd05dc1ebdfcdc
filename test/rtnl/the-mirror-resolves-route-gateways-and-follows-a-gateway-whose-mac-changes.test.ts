import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

interface IpLink { address: string }

// The kernel never carries the dataplane's traffic, so nothing "uses" its entry for a gateway:
// the mirror must resolve gateways itself and re-validate them, or a peer that changes its MAC
// (a replaced router, a VRRP failover without gratuitous ARP) would be followed by nobody.
test('the mirror resolves a new route gateway without traffic, and follows the gateway to its new MAC', async (t) => {
	const topo = twoNamespaces();
	// fast neighbour timers on esp-wan0, so STALE -> DELAY -> PROBE -> FAILED takes ~1 s, not ~10 s
	topo.a.batch(['ntable change name arp_cache dev esp-wan0 base_reachable 300 delay_probe 200 retrans 100 ucast_probes 2']);
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, resyncMs: 300, logger: createLogger('test', { level: 'warn' }) });
	const macOf = (ip: string): string | undefined => control.neighbors.get(`wan|${ip}`)?.mac;
	try {
		const oldMac = topo.b.json<IpLink[]>('link show peer0')[0]?.address;
		await mirror.start();
		topo.a.batch(['route add 203.0.113.0/24 via 192.0.2.2']);
		const first = await settle(() => macOf('192.0.2.2'), () => oldMac, 3000);
		t.is(first.actual, oldMac, 'gateway resolved with no traffic through the kernel');
		t.true(mirror.stats.gatewayResolves >= 1);
		t.log(`gateway MAC in the dataplane ${first.ms} ms after the route was added`);

		const newMac = '02:00:00:00:aa:02';
		topo.b.batch([`link set peer0 address ${newMac}`]); // no gratuitous ARP (arp_notify is off)
		const moved = await settle(() => macOf('192.0.2.2'), () => newMac, 10_000);
		t.is(moved.actual, newMac, 'the new MAC reached the dataplane');
		t.log(`new gateway MAC in the dataplane ${moved.ms} ms after the peer changed it (resync 300 ms)`);
	} finally {
		mirror.stop();
		topo.close();
	}
});
