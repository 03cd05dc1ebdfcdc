import { execFileSync } from 'node:child_process';
import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelRoutes, settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

test('when the kernel drops notifications (ENOBUFS) the mirror re-dumps and ends equal to the kernel', async (t) => {
	const topo = twoNamespaces();
	const log = createLogger('test', { level: 'error' });
	// a tiny receive buffer, so a burst of notifications overflows it
	const rtnl = new Rtnl({ netns: topo.a.name, rcvbuf: 4096, logger: log });
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, rtnl, resyncMs: 3_600_000, logger: log });
	try {
		await mirror.start();
		// 600 routes added while this thread is blocked in execFileSync: nobody reads the socket
		const burst = Array.from({ length: 600 }, (_, i) => `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 via 192.0.2.2`);
		execFileSync('ip', ['-n', topo.a.name, '-b', '-'], { input: burst.join('\n') + '\n' });
		const r = await settle(() => control.routesOf('wan'), () => kernelRoutes(topo.a, 'esp-wan0', 'wan'), 5000);
		t.true(rtnl.socket.stats.overruns >= 1, `socket overruns: ${rtnl.socket.stats.overruns}`);
		t.true(mirror.stats.overruns >= 1, 'the mirror was told');
		t.is(r.actual.length, 600 + 3); // the burst, the IPv4 connected route, the two IPv6 connected routes
		t.deepEqual(r.actual, r.expected);
		t.log(`equal ${r.ms} ms after the burst; ${mirror.stats.reconciles} reconciles, ${mirror.stats.events} events seen`);
	} finally {
		mirror.stop();
		rtnl.close();
		topo.close();
	}
});
