import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import type { NeighborEntry } from '../../operator/dataplane/control.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

// a dataplane that refuses one next hop (as the binding would with a DataplaneError)
class RefusingForwarding extends FakeForwarding {
	override putNeighbor(n: NeighborEntry): void {
		if (n.ip === '192.0.2.66') throw new Error('neighbour table full');
		super.putNeighbor(n);
	}
}

test('a neighbour the dataplane refuses is counted and logged, and the other neighbours and routes are still mirrored', async (t) => {
	const topo = twoNamespaces();
	const control = new RefusingForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'error' }) });
	try {
		topo.a.batch([
			'neigh add 192.0.2.65 dev esp-wan0 lladdr 02:00:00:00:00:65 nud permanent',
			'neigh add 192.0.2.66 dev esp-wan0 lladdr 02:00:00:00:00:66 nud permanent',
			'neigh add 192.0.2.67 dev esp-wan0 lladdr 02:00:00:00:00:67 nud permanent',
			'route add default via 192.0.2.65',
		]);
		await mirror.start();
		t.deepEqual(control.neighborsOf('wan').map((n) => n.ip), ['192.0.2.65', '192.0.2.67']);
		t.true(control.routesOf('wan').some((r) => r.dst === '0.0.0.0/0'));
		const rejects = mirror.stats.neighborRejects;
		t.true(rejects >= 1, `${rejects} rejects`);
		t.is(mirror.stats.failures, 0, 'the reconcile itself did not fail');

		// later changes keep flowing; the refused one is retried on each reconcile
		topo.a.batch(['neigh add 192.0.2.68 dev esp-wan0 lladdr 02:00:00:00:00:68 nud permanent']);
		const r = await settle(() => control.neighborsOf('wan').map((n) => n.ip), () => ['192.0.2.65', '192.0.2.67', '192.0.2.68']);
		t.deepEqual(r.actual, r.expected);
		t.true(mirror.stats.neighborRejects > rejects, 'retried, refused again');
	} finally {
		mirror.stop();
		topo.close();
	}
});
