// Failover: the tunnel's active gateway node goes NotReady, or its agent stops reporting —
// either way the tunnel moves to the other eligible node, comes up there, and status and an
// Event say where it is and why it moved. A node the selector does not admit is never used.
import test from 'ava';
import { siteToSiteSpec, tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

const causes = [
	{ name: 'its node goes NotReady', why: /is NotReady/ },
	{ name: 'its agent stops reporting', why: /has no agent reporting/ },
];

for (const cause of causes) {
	test(`a tunnel moves to another eligible node and comes up there when ${cause.name}`, async (t) => {
		const gw = { 'esplane.io/gateway': 'true' };
		const w = await startWorld({ nodes: [{ name: 'gw-a', labels: gw }, { name: 'gw-b', labels: gw }, { name: 'worker', labels: {} }] });
		t.teardown(() => w.stop());
		await w.createSecret('site-b-psk', { psk: 'k' });
		await w.createTunnel(tunnel('t1', siteToSiteSpec({ gateway: { nodeSelector: gw } })));
		const first = await w.waitForTunnel('t1', 'Established', (x) => cond(x, 'Established')?.status === 'True');
		const from = first.status?.node ?? '';
		const to = from === 'gw-a' ? 'gw-b' : 'gw-a';
		t.true(['gw-a', 'gw-b'].includes(from));
		t.regex(first.status?.nodeReason ?? '', /assigned to gw-[ab] \(2 eligible node\(s\)\)/);

		if (cause.name.includes('NotReady')) await w.setNodeReady(from, false);
		else await w.agents.get(from)?.agent.stop();

		const moved = await w.waitForTunnel('t1', `Established on ${to}`, (x) => x.status?.node === to && cond(x, 'Established')?.status === 'True' && x.status.agentNode === to);
		t.regex(moved.status?.nodeReason ?? '', new RegExp(`^moved from ${from} to ${to}: node ${from} ${cause.why.source}`));
		t.is(moved.metadata.labels?.['esplane.io/node'], to);
		t.true(w.agents.get(to)?.programmer.configured.has(`${w.namespace}/t1`));
		if (cause.name.includes('NotReady')) {
			// The old node's agent still runs: it drops the tunnel it no longer serves.
			await w.waitFor(`${from} unprograms t1`, async () => !w.agents.get(from)?.programmer.configured.has(`${w.namespace}/t1`));
		}
		const events = await w.events('t1');
		t.true(events.some((e) => e.type === 'Warning' && e.reason === 'Moved' && e.message?.startsWith(`moved from ${from} to ${to}`)));
		t.true(events.some((e) => e.reason === 'Established' && e.source?.component === `esplane-agent/${to}`), 'the new node announced it');
	});
}
