import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import type { RouteEntry } from '../../operator/dataplane/control.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelRoutes } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

// a dataplane that is not ready yet: its first route table replaces fail
class NotReadyForwarding extends FakeForwarding {
	failuresLeft = 3;
	override replaceRoutes(routes: RouteEntry[]): void {
		if (this.failuresLeft-- > 0) throw new Error('dataplane not started');
		super.replaceRoutes(routes);
	}
}

test('a dataplane that refuses the route table is retried with backoff, and start() resolves once it took the state', async (t) => {
	const topo = twoNamespaces();
	topo.a.batch(['route add default via 192.0.2.2']);
	const control = new NotReadyForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'silent' }) });
	try {
		const t0 = Date.now();
		await mirror.start();
		const ms = Date.now() - t0;
		t.is(mirror.stats.failures, 3);
		t.deepEqual(control.routesOf('wan'), kernelRoutes(topo.a, 'esp-wan0', 'wan'));
		t.true(ms >= 50 + 100 + 200 - 20, `backoff 50, 100, 200 ms: took ${ms} ms`);
		t.log(`equal after 3 refusals in ${ms} ms`);
	} finally {
		mirror.stop();
		topo.close();
	}
});
