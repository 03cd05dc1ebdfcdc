// Topology (operator/demo/two-sites.sh):
//   host-a 10.1.0.2 ─ gw-a [charon + esplane agent] ══ wan (bridge) ══ gw-b [charon + Linux ESP] ─ host-b 10.2.0.2
// A capture in the middle of the wan (no endpoint there) runs while ICMP, TCP and UDP cross
// in both directions.
import { capture, countPackets, scenario, sleep } from './guest.js';

await scenario('traffic', {}, async (sites, facts) => {
	await sites.waitEstablished(1);
	const wire = await capture(sites, 'wan', `${sites.o.prefix}-wa0`);

	// ICMP both ways.
	facts['pingAtoB'] = /, 0% packet loss/.test(sites.exec('ha', ['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.2.0.2']));
	facts['pingBtoA'] = /, 0% packet loss/.test(sites.exec('hb', ['ping', '-c', '3', '-i', '0.2', '-W', '2', '10.1.0.2']));

	// TCP and UDP both ways (iperf3 -R reverses the direction of the data).
	sites.spawnIn('hb', ['iperf3', '-s', '-B', '10.2.0.2']);
	await sleep(300);
	const iperf = (extra: string[]) => JSON.parse(sites.exec('ha', ['iperf3', '-c', '10.2.0.2', '-t', '1', '-J', ...extra])) as {
		end: { sum_received?: { bytes: number }; sum?: { bytes: number; lost_packets?: number } };
	};
	facts['tcpAtoB'] = iperf([]).end.sum_received?.bytes ?? 0;
	facts['tcpBtoA'] = iperf(['-R']).end.sum_received?.bytes ?? 0;
	facts['udpAtoB'] = iperf(['-u', '-b', '10M']).end.sum?.bytes ?? 0;
	facts['udpBtoA'] = iperf(['-u', '-b', '10M', '-R']).end.sum?.bytes ?? 0;
	const cap = await wire.stop();

	// The live agent's metrics and readiness, as Prometheus and the kubelet would see them.
	const get = (path: string) => sites.exec('ga', ['node', '-e', `fetch('http://127.0.0.1:9478${path}').then(async r => console.log(r.status + ' ' + await r.text()))`]);
	await sleep(1500); // one observation interval
	facts['readyz'] = get('/readyz').trim();
	facts['policies'] = await sites.policies();
	facts['metrics'] = get('/metrics').split('\n').filter(l => /^esplane_(tunnel_packets_total|tunnel_ike_state|sa_packets_total)\{/.test(l));
	facts['espPackets'] = countPackets(sites, 'wan', cap, 'esp or (udp port 4500 and udp[8:4] != 0)');
	// Inner addresses must never be visible on the wan: that would be a protected flow in clear.
	facts['plaintextPackets'] = countPackets(sites, 'wan', cap, 'net 10.1.0.0/24 or net 10.2.0.0/24');
	// IPv4 only: the veths' IPv6 link-local chatter (ND, MLD) is not tunnel traffic.
	facts['otherPackets'] = countPackets(sites, 'wan', cap, 'ip and not esp and not udp port 4500 and not udp port 500');
});
