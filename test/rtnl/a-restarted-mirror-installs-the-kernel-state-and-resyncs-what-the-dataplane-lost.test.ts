import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelNeighbors, kernelRoutes, settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

test('a mirror started after the kernel has state installs it all, and a resync restores what the dataplane lost', async (t) => {
	const topo = twoNamespaces();
	topo.a.batch([
		'neigh add 192.0.2.7 dev esp-wan0 lladdr 02:00:00:00:00:07 nud permanent',
		'neigh add 2001:db8::7 dev esp-wan0 lladdr 02:00:00:00:06:07 nud permanent',
		// silent in the kernel (no notification), so only a dump can see it
		'neigh replace 192.0.2.8 dev esp-wan0 nud incomplete',
		'route add default via 192.0.2.254',
		'route add ::/0 via 2001:db8::fe dev esp-wan0',
		'route add 203.0.113.0/24 via 192.0.2.2',
	]);
	const wanNeighbors = (): ReturnType<typeof kernelNeighbors> => kernelNeighbors(topo.a, 'esp-wan0', 'wan');
	const wanRoutes = (): ReturnType<typeof kernelRoutes> => kernelRoutes(topo.a, 'esp-wan0', 'wan');
	const control = new FakeForwarding();
	// what an earlier agent left in the dataplane and the kernel no longer has
	control.putNeighbor({ ip: '192.0.2.66', mac: '02:00:00:00:00:66', port: 'wan' });
	control.replaceRoutes([{ dst: '192.0.2.66/32', port: 'wan' }]);
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, resyncMs: 300, logger: createLogger('test', { level: 'warn' }) });
	try {
		await mirror.start();
		// the first reconcile alone, no waiting
		t.deepEqual(control.neighborsOf('wan'), wanNeighbors(), 'neighbours after start');
		t.deepEqual(control.routesOf('wan'), wanRoutes(), 'routes after start');
		t.true(control.neighborsOf('wan').some((n) => n.ip === '192.0.2.8' && n.mac === undefined), 'incomplete next hop present without a MAC');
		// the three above, and the three route gateways the mirror asked the kernel to resolve
		t.deepEqual(control.neighborsOf('wan').map((n) => n.ip), ['192.0.2.2', '192.0.2.254', '192.0.2.7', '192.0.2.8', '2001:db8::7', '2001:db8::fe']);
		t.is(wanRoutes().length, 6); // two connected, two link-local/default v6, default v4, the prefix

		// the dataplane loses entries behind the mirror's back (e.g. it restarted); no kernel event follows
		control.delNeighbor({ ip: '192.0.2.7', port: 'wan' });
		control.putNeighbor({ ip: '2001:db8::7', mac: '02:00:00:00:bb:bb', port: 'wan' });
		control.replaceRoutes([]);
		const reconcilesBefore = mirror.stats.reconciles;
		const n = await settle(() => control.neighborsOf('wan'), wanNeighbors, 2000);
		const r = await settle(() => control.routesOf('wan'), wanRoutes, 2000);
		t.deepEqual(n.actual, n.expected, 'neighbours restored by the resync');
		t.deepEqual(r.actual, r.expected, 'routes restored by the resync');
		t.true(mirror.stats.reconciles > reconcilesBefore);
		t.log(`healed by the periodic resync within ${Math.max(n.ms, r.ms)} ms (period 300 ms)`);
	} finally {
		mirror.stop();
		topo.close();
	}
});
