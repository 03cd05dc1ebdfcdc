// Topology (operator/demo/two-sites.sh):
//   host-a ─ gw-a [charon + esplane agent] ══ wan (capture) ══ gw-b [charon + Linux ESP] ─ host-b
// The tunnel's YAML is removed while host-a keeps pinging host-b. Its SAs must leave charon,
// the kernel (and the dataplane), and no packet of the flow may cross the wan in clear.
// With the dpdk dataplane gw-a also has a route towards host-b's subnet, so only the
// dataplane's fail-closed SPD stands between the flow and the wire. The kernel dataplane
// has no such guard: once charon removes the policies the node's routing decides (see the
// issue notes), so in kernel mode there is no clear route.
import { capture, countPackets, scenario, sleep } from './guest.js';

await scenario('delete', {}, async (sites, facts) => {
	await sites.waitEstablished(1);
	facts['clearRoute'] = sites.o.dataplane === 'dpdk';
	if (sites.o.dataplane === 'dpdk') sites.exec('ga', ['ip', 'route', 'add', '10.2.0.0/24', 'via', '192.0.2.2']);
	const wire = await capture(sites, 'wan', `${sites.o.prefix}-wa0`);
	const pinger = sites.spawnIn('ha', ['ping', '-i', '0.05', '-W', '1', '10.2.0.2']);
	await sleep(1000);
	facts['sasBefore'] = Number(sites.exec('ga', ['ip', 'xfrm', 'state', 'count']).match(/\d+/)?.[0]);
	sites.removeConfig();
	const deadline = Date.now() + 20_000;
	let kernelSas = -1;
	while (Date.now() < deadline) {
		kernelSas = Number(sites.exec('ga', ['ip', 'xfrm', 'state', 'count']).match(/\d+/)?.[0]);
		if (kernelSas === 0) break;
		await sleep(200);
	}
	facts['kernelSasAfter'] = kernelSas;
	facts['kernelPoliciesAfter'] = sites.exec('ga', ['ip', 'xfrm', 'policy', 'list']).split('\n').filter(l => l.includes('10.2.0.0/24')).length;
	facts['charonSasAfter'] = sites.exec('ga', ['swanctl', '--list-sas', '--uri', `unix://${sites.gwa!.vici}`]).split('\n').filter(l => l.includes('ESTABLISHED') || l.includes('INSTALLED')).length;
	facts['agentSasAfter'] = (await sites.sas()).length;
	await sleep(2000);
	pinger.kill('SIGINT');
	await wire.stop();
	facts['espPackets'] = countPackets(sites, 'wan', wire.file, 'esp');
	facts['plaintextPackets'] = countPackets(sites, 'wan', wire.file, 'net 10.1.0.0/24 or net 10.2.0.0/24');
});
