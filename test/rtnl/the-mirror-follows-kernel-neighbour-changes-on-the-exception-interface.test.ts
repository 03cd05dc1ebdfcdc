import test from 'ava';
import { ForwardingMirror } from '../../operator/agent/forwarding-mirror.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeForwarding } from './fake-forwarding.js';
import { kernelNeighbors, settle } from './kernel-view.js';
import { twoNamespaces } from './topology.js';

// one kernel change per row; after each, the fake dataplane's "wan" neighbours equal the kernel's
const steps: { what: string; ip: string[] }[] = [
	{ what: 'a permanent IPv4 neighbour is added', ip: ['neigh add 192.0.2.7 dev esp-wan0 lladdr 02:00:00:00:00:07 nud permanent'] },
	{ what: 'its MAC is replaced', ip: ['neigh replace 192.0.2.7 dev esp-wan0 lladdr 02:00:00:00:07:07 nud permanent'] },
	{ what: 'a stale IPv6 neighbour is added', ip: ['neigh add 2001:db8::7 dev esp-wan0 lladdr 02:00:00:00:06:07 nud stale'] },
	// (the kernel sends no notification when an entry goes NONE -> INCOMPLETE; resolve() and
	// the periodic resync cover unresolved entries, see the other tests)
	{ what: 'a reachable next hop appears', ip: ['neigh replace 192.0.2.8 dev esp-wan0 lladdr 02:00:00:00:00:08 nud reachable'] },
	{ what: 'a neighbour on another interface is added', ip: ['neigh add 198.51.100.9 dev other0 lladdr 02:00:00:00:09:09 nud permanent'] },
	{ what: 'the IPv4 neighbour is deleted', ip: ['neigh del 192.0.2.7 dev esp-wan0'] },
	{ what: 'the IPv6 neighbour is deleted', ip: ['neigh del 2001:db8::7 dev esp-wan0'] },
];

test('the mirror follows kernel neighbour changes on the exception interface and ignores other interfaces', async (t) => {
	const topo = twoNamespaces();
	const control = new FakeForwarding();
	// a neighbour of another port (configured, not mirrored) must survive every reconcile
	control.putNeighbor({ ip: '10.1.0.9', mac: '02:00:00:00:01:09', port: 'lan' });
	const mirror = new ForwardingMirror({ control, interfaces: { 'esp-wan0': 'wan' }, netns: topo.a.name, logger: createLogger('test', { level: 'warn' }) });
	try {
		await mirror.start();
		for (const step of steps) {
			topo.a.batch(step.ip);
			const r = await settle(() => control.neighborsOf('wan'), () => kernelNeighbors(topo.a, 'esp-wan0', 'wan'));
			t.deepEqual(r.actual, r.expected, step.what);
			t.log(`${step.what}: equal after ${r.ms} ms`);
		}
		t.true(kernelNeighbors(topo.a, 'esp-wan0', 'wan').some((n) => n.ip === '192.0.2.8' && n.mac === '02:00:00:00:00:08'), 'the kernel view is not empty');
		t.deepEqual(control.neighborsOf('lan'), [{ ip: '10.1.0.9', mac: '02:00:00:00:01:09', port: 'lan' }]);
		t.false(control.listNeighbors().some((n) => n.ip === '198.51.100.9'), 'other0 neighbour ignored');
	} finally {
		mirror.stop();
		topo.close();
	}
});
