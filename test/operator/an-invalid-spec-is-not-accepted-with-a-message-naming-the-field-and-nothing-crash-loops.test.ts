// A spec that passes the CRD schema but not the operator's checks (host bits set in a subnet)
// gets Accepted=False naming the field, is not served on any node, is not retried in a hot
// loop, and does not stop the operator from serving the next tunnel; fixing it accepts it;
// breaking it again while it runs is refused and the node keeps the last good generation.
import test from 'ava';
import { siteToSiteSpec, tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('an invalid spec is not accepted, the message names the field, and the operator keeps serving others', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.teardown(() => w.stop());
	await w.createSecret('site-b-psk', { psk: 'correct horse battery staple' });
	await w.createTunnel(tunnel('bad', siteToSiteSpec({ local: { address: '192.0.2.1', subnets: ['10.1.0.1/24'] } })));
	const bad = await w.waitForTunnel('bad', 'Accepted=False', (x) => cond(x, 'Accepted')?.status === 'False');
	t.is(cond(bad, 'Accepted')?.reason, 'InvalidSpec');
	t.regex(cond(bad, 'Accepted')?.message ?? '', /^spec\.local\.subnets\[0\]: 10\.1\.0\.1\/24 has host bits set; did you mean 10\.1\.0\.0\/24\?/);
	t.is(cond(bad, 'Accepted')?.observedGeneration, 1);
	t.is(cond(bad, 'Programmed')?.reason, 'NotAccepted');
	t.is(bad.status?.node, undefined);
	t.is(bad.metadata.labels?.['esplane.io/node'], undefined);

	// The operator goes on: a good tunnel next to it is served.
	await w.createTunnel(tunnel('good'));
	await w.waitForTunnel('good', 'Programmed=True', (x) => cond(x, 'Programmed')?.status === 'True');

	// No hot loop on the bad one: its status is not rewritten while nothing changes.
	const before = w.cluster.double?.writes.get(`ipsectunnels/${w.namespace}/bad/status`) ?? 0;
	await new Promise((r) => setTimeout(r, 1000));
	t.is(w.cluster.double?.writes.get(`ipsectunnels/${w.namespace}/bad/status`) ?? 0, before);
	t.true((await w.events('bad')).some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec' && /spec\.local\.subnets\[0\]/.test(e.message ?? '')));

	// Fixing the spec (generation 2) accepts it and puts it on the node.
	await w.updateSpec('bad', siteToSiteSpec());
	const fixed = await w.waitForTunnel('bad', 'Programmed=True at generation 2', (x) => cond(x, 'Programmed')?.status === 'True' && cond(x, 'Programmed')?.observedGeneration === 2);
	t.is(cond(fixed, 'Accepted')?.status, 'True');
	t.is(fixed.status?.node, 'gw-1');

	// Breaking a running tunnel's spec is refused, and the node keeps the last good generation.
	await w.updateSpec('bad', siteToSiteSpec({ ike: { proposals: ['aes257-sha256-x25519'] } }));
	const broken = await w.waitForTunnel('bad', 'Accepted=False at generation 3', (x) => cond(x, 'Accepted')?.status === 'False' && cond(x, 'Accepted')?.observedGeneration === 3);
	t.regex(cond(broken, 'Accepted')?.message ?? '', /^spec\.ike\.proposals\[0\]: unknown algorithm "aes257".*; gw-1 keeps running generation 2$/);
	t.is(broken.status?.node, 'gw-1');
	await w.agents.get('gw-1')?.agent.settle();
	t.is(w.agents.get('gw-1')?.programmer.configured.get(`${w.namespace}/bad`)?.generation, 2);
});
