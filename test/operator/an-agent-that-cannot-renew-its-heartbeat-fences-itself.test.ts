// Split-brain guard: an agent that cannot renew its heartbeat Lease for a whole lease duration
// must assume its tunnels were moved to another node, and unprograms them all — even though,
// cut off, it never hears of the move. Once it can renew again, it serves its assignments again.
// (The operator is stopped, so nothing but the agent's own fencing can take the tunnel down.)
import test from 'ava';
import type { KubeApi } from '../../operator/k8s/client.js';
import { KubeApiError } from '../../operator/k8s/errors.js';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('an agent cut off from its heartbeat Lease unprograms everything, and serves again when it can renew', async (t) => {
	let cut = false;
	const refuse = async (): Promise<never> => {
		throw new KubeApiError(0, 'NoResponse', 'connect ECONNREFUSED (cut by the test)');
	};
	const w = await startWorld({
		nodes: [{ name: 'gw-1' }],
		agentApi: (_node, api): KubeApi => ({
			...api,
			getLease: (ns, name) => (cut ? refuse() : api.getLease(ns, name)),
			createLease: (ns, lease) => (cut ? refuse() : api.createLease(ns, lease)),
			replaceLease: (ns, name, lease) => (cut ? refuse() : api.replaceLease(ns, name, lease)),
		}),
	});
	t.teardown(() => w.stop());
	const gw = w.agents.get('gw-1');
	if (!gw) throw new Error('no agent');
	const key = `${w.namespace}/t1`;
	await w.createSecret('site-b-psk', { psk: 'k' });
	await w.createTunnel(tunnel('t1'));
	await w.waitForTunnel('t1', 'Established', (x) => cond(x, 'Established')?.status === 'True');
	await w.operator.stop();

	cut = true;
	const fencedAfter = Date.now();
	await w.waitFor('the agent fences itself', async () => gw.agent.fenced && !gw.programmer.configured.has(key), 5000);
	t.true(Date.now() - fencedAfter >= 1200, 'not before (most of) the 2 s lease ran out');
	t.deepEqual(gw.programmer.applies.at(-1), []);

	cut = false;
	await w.waitFor('the agent serves again', async () => !gw.agent.fenced && gw.programmer.configured.has(key), 5000);
	t.is(gw.programmer.configured.get(key)?.generation, 1);
});
