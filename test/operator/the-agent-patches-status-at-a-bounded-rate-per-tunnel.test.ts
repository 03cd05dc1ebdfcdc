// With counters changing on every observation (the fake carries traffic), the agent still
// writes each tunnel's status at most once per counter interval, plus the few state changes;
// and the counters it writes are the ones the programmer observed.
import test from 'ava';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('status patches stay under a fixed rate per tunnel while counters change constantly', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }], agentOptions: { syncIntervalMs: 50, counterPatchIntervalMs: 500, minPatchIntervalMs: 100 } });
	t.teardown(() => w.stop());
	const agent = w.agents.get('gw-1');
	if (!agent) throw new Error('no agent');
	agent.programmer.traffic = true;
	await w.createSecret('site-b-psk', { psk: 'k' });
	for (const name of ['t1', 't2', 't3']) await w.createTunnel(tunnel(name));
	for (const name of ['t1', 't2', 't3']) await w.waitForTunnel(name, 'Ready', (x) => cond(x, 'Ready')?.status === 'True');

	const start = new Map(['t1', 't2', 't3'].map((n) => [n, w.cluster.double?.writes.get(`ipsectunnels/${w.namespace}/${n}/status`) ?? 0]));
	const before = agent.agent.stats.patches;
	const windowMs = 2000;
	await new Promise((r) => setTimeout(r, windowMs));
	const syncs = agent.agent.stats.syncs;
	t.true(syncs > 10, `the agent observed ${syncs} times`);
	const perTunnel = (agent.agent.stats.patches - before) / 3;
	// one patch per 500 ms counter interval (+1 for the window's edges)
	t.true(perTunnel <= windowMs / 500 + 1, `${perTunnel} patches per tunnel in ${windowMs} ms`);
	t.true(perTunnel >= 1, 'counters are still reported');
	if (w.cluster.double) {
		for (const n of ['t1', 't2', 't3']) {
			const writes = (w.cluster.double.writes.get(`ipsectunnels/${w.namespace}/${n}/status`) ?? 0) - (start.get(n) ?? 0);
			t.true(writes <= windowMs / 500 + 1, `${n}: ${writes} status writes`);
		}
	}
	const t1 = await w.api.getTunnel(w.namespace, 't1');
	t.true((t1.status?.traffic?.packetsIn ?? 0) > 10, 'counters come from the programmer');
	t.is(t1.status?.sas, 1);
	t.is(t1.status?.childSas?.[0]?.packetsIn, t1.status?.traffic?.packetsIn);
});
