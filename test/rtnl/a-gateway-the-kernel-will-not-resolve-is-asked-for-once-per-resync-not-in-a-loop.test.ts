import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import type { RtnlOptions } from '../../operator/rtnl/rtnl.js';
import { FakeForwarding } from './fake-forwarding.js';
import { twoNamespaces } from './topology.js';

// the kernel refuses every resolution request (as it would without CAP_NET_ADMIN)
class RefusingRtnl extends Rtnl {
	asked: string[] = [];
	constructor(opts: RtnlOptions) {
		super(opts);
	}
	override resolve(_ifindex: number, ip: string): Promise<void> {
		this.asked.push(ip);
		return Promise.reject(new Error('EPERM'));
	}
}

test('a gateway the kernel will not resolve is asked for once per resync, never in a reconcile loop', async (t) => {
	const topo = twoNamespaces();
	topo.a.batch(['route add default via 192.0.2.254', 'route add 203.0.113.0/24 via 192.0.2.253']);
	const log = createLogger('test', { level: 'silent' });
	const rtnl = new RefusingRtnl({ netns: topo.a.name, logger: log });
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, rtnl, resyncMs: 400, logger: log });
	try {
		await mirror.start();
		t.deepEqual([...rtnl.asked].sort(), ['192.0.2.253', '192.0.2.254'], 'each gateway asked for once by the first reconcile');
		const reconciles = mirror.stats.reconciles;
		await new Promise((r) => setTimeout(r, 300)); // less than one resync period
		t.is(rtnl.asked.length, 2, 'not asked again before the next resync');
		t.is(mirror.stats.reconciles, reconciles, 'no reconcile loop');
		await new Promise((r) => setTimeout(r, 400)); // past the next resync
		t.is(rtnl.asked.length, 4, 'asked again once on the resync');
		t.true(control.routesOf('wan').some((r) => r.dst === '0.0.0.0/0'), 'routes mirrored regardless');
	} finally {
		mirror.stop();
		rtnl.close();
		topo.close();
	}
});
