import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelRoutes, settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

// one kernel change per row; after each, the fake dataplane's "wan" routes equal the kernel's
// main-table routes via esp-wan0 (connected routes, IPv6 link-local and defaults included)
const steps: { what: string; ip: string[] }[] = [
	{ what: 'an IPv4 default route is added', ip: ['route add default via 192.0.2.254 dev esp-wan0'] },
	{ what: 'an IPv6 default route is added', ip: ['route add ::/0 via 2001:db8::fe dev esp-wan0'] },
	{ what: 'an IPv4 prefix via a gateway is added', ip: ['route add 203.0.113.0/24 via 192.0.2.2'] },
	{ what: 'an IPv4 host route without a gateway is added', ip: ['route add 203.0.113.77 dev esp-wan0'] },
	{ what: 'an IPv6 prefix is added', ip: ['route add 2001:db8:77::/48 via 2001:db8::2'] },
	{ what: 'the IPv4 prefix changes gateway', ip: ['route replace 203.0.113.0/24 via 192.0.2.3'] },
	{ what: 'the default route changes gateway', ip: ['route replace default via 192.0.2.253 dev esp-wan0'] },
	{ what: 'a route on another interface is added', ip: ['route add 100.64.0.0/10 via 198.51.100.2'] },
	{ what: 'a route moves from the exception interface to another', ip: ['route replace 203.0.113.0/24 via 198.51.100.2'] },
	{ what: 'a route in another table is added', ip: ['route add 198.18.0.0/15 via 192.0.2.2 table 100'] },
	{ what: 'the IPv6 prefix is deleted', ip: ['route del 2001:db8:77::/48'] },
	{ what: 'the host route is deleted', ip: ['route del 203.0.113.77'] },
	{ what: 'the IPv4 default route is deleted', ip: ['route del default'] },
];

test('the mirror follows kernel route changes on the exception interface and keeps other ports routes', async (t) => {
	const topo = twoNamespaces();
	const control = new FakeForwarding();
	const lan = { dst: '10.1.0.0/24', port: 'lan' };
	control.replaceRoutes([lan]); // from configuration: must survive every replace
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'warn' }) });
	try {
		await mirror.start();
		const first = await settle(() => control.routesOf('wan'), () => kernelRoutes(topo.a, 'esp-wan0', 'wan'));
		t.deepEqual(first.actual, first.expected, 'connected routes at start');
		for (const step of steps) {
			topo.a.batch(step.ip);
			const r = await settle(() => control.routesOf('wan'), () => kernelRoutes(topo.a, 'esp-wan0', 'wan'));
			t.deepEqual(r.actual, r.expected, step.what);
			t.log(`${step.what}: equal after ${r.ms} ms (${r.actual.length} routes)`);
		}
		const wan = control.routesOf('wan');
		t.true(wan.some((r) => r.dst === '::/0' && r.via === '2001:db8::fe'), 'IPv6 default mirrored');
		t.false(wan.some((r) => r.dst === '203.0.113.0/24' || r.dst === '100.64.0.0/10' || r.dst === '198.18.0.0/15'), 'other interfaces and tables ignored');
		t.deepEqual(control.routesOf('lan'), [lan]);
	} finally {
		mirror.stop();
		topo.close();
	}
});
