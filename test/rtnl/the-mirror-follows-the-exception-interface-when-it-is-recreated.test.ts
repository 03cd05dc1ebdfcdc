import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelNeighbors, kernelRoutes, settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

// a restarted dataplane recreates its TAP: same name, new ifindex
test('the mirror follows the exception interface by name when it is deleted and recreated with a new ifindex', async (t) => {
	const topo = twoNamespaces();
	const control = new FakeForwarding();
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'warn' }) });
	const equal = async (what: string): Promise<void> => {
		const n = await settle(() => control.neighborsOf('wan'), () => kernelNeighbors(topo.a, 'esp-wan0', 'wan'));
		const r = await settle(() => control.routesOf('wan'), () => kernelRoutes(topo.a, 'esp-wan0', 'wan'));
		t.deepEqual(n.actual, n.expected, `${what}: neighbours`);
		t.deepEqual(r.actual, r.expected, `${what}: routes`);
	};
	try {
		topo.a.batch(['neigh add 192.0.2.7 dev esp-wan0 lladdr 02:00:00:00:00:07 nud permanent', 'route add default via 192.0.2.254']);
		await mirror.start();
		await equal('before');
		t.true(control.routesOf('wan').some((r) => r.dst === '0.0.0.0/0'));

		topo.a.batch(['link del esp-wan0']);
		const gone = await settle(() => [...control.neighborsOf('wan'), ...control.routesOf('wan')].length, () => 0);
		t.is(gone.actual, 0, 'everything of the deleted interface removed');

		topo.a.batch([
			'link add esp-wan0 type veth peer name peer1',
			'addr add 192.0.2.1/24 dev esp-wan0',
			'link set esp-wan0 up',
			'link set peer1 up',
			'neigh add 192.0.2.9 dev esp-wan0 lladdr 02:00:00:00:00:09 nud permanent',
			'route add default via 192.0.2.253',
		]);
		await equal('after recreation');
		t.deepEqual(control.neighborsOf('wan'), [
			{ ip: '192.0.2.253', port: 'wan' }, // the new default gateway, asked for, nobody answers
			{ ip: '192.0.2.9', mac: '02:00:00:00:00:09', port: 'wan' },
		]);
		t.true(control.routesOf('wan').some((r) => r.dst === '0.0.0.0/0' && r.via === '192.0.2.253'));
	} finally {
		mirror.stop();
		topo.close();
	}
});
