// While the operator has not yet judged a new generation of a tunnel, the agent keeps the last
// accepted generation configured: an edit never tears down a working tunnel by itself. (The
// operator is stopped here to hold the new generation unjudged for as long as the test needs.)
import test from 'ava';
import { siteToSiteSpec, tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('a new generation not yet accepted keeps the previous one configured on the node', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.teardown(() => w.stop());
	const gw = w.agents.get('gw-1');
	if (!gw) throw new Error('no agent');
	const key = `${w.namespace}/t1`;
	await w.createSecret('site-b-psk', { psk: 'k' });
	await w.createTunnel(tunnel('t1'));
	await w.waitForTunnel('t1', 'Programmed', (x) => cond(x, 'Programmed')?.status === 'True');
	const appliesBefore = gw.programmer.applies.length;

	await w.operator.stop();
	await w.updateSpec('t1', siteToSiteSpec({ mtu: 1400 }));
	await w.waitFor('the agent sees generation 2', async () => gw.agent.tunnels.get(w.namespace, 't1')?.metadata.generation === 2);
	await gw.agent.settle();
	await gw.agent.settle();

	t.true(gw.programmer.configured.has(key), 'still configured');
	t.is(gw.programmer.configured.get(key)?.generation, 1, 'at the accepted generation');
	t.true(gw.programmer.applies.slice(appliesBefore).every((keys) => keys.includes(key)), 'never applied without it');
	const now = await w.api.getTunnel(w.namespace, 't1');
	t.is(cond(now, 'Programmed')?.observedGeneration, 1, 'status still speaks of generation 1');
});
