// Topology (operator/demo/two-sites.sh), gw-a in dpdk mode on the wire:
//   host-a ─ ga1 [af_packet, lan] gw-a [dataplane; TAPs esp-wan0/esp-lan0 ⇄ kernel, charon, agent] [af_packet, wan] ga0 ══ wan ══ gw-b [charon + Linux ESP] ─ host-b
// The dataplane owns ga0/ga1 (the kernel is kept off them); IKE, ARP and the node's own
// traffic reach the kernel through the exception TAPs; the tunnel's ESP is the dataplane's.
import { scenario, sleep } from './guest.js';

await scenario('dpdk-wire', { dataplane: 'dpdk' }, async (sites, facts) => {
	const t0 = Date.now();
	await sites.waitEstablished(1, 90_000);
	facts['establishedMs'] = Date.now() - t0;
	facts['gatewayPing'] = sites.exec('gb', ['ping', '-c', '3', '-i', '0.2', '-W', '2', '192.0.2.1']);
	// the first packet towards a next hop nobody has resolved yet is dropped (no_neighbor) while
	// the kernel resolves it over the TAP; the drops before the main pings are kept as a fact
	facts['warmup'] = sites.exec('ha', ['sh', '-c', 'ping -c 2 -i 0.5 -W 2 10.2.0.2 || true']);
	facts['dropsBefore'] = (JSON.parse(sites.exec('ga', ['node', '--import', 'tsx', 'operator/cli/main.ts', 'stats', '-o', 'json', '--socket', sites.socket])) as { drops: unknown }).drops;
	facts['pingAtoB'] = sites.exec('ha', ['ping', '-c', '5', '-i', '0.2', '-W', '3', '10.2.0.2']);
	facts['pingBtoA'] = sites.exec('hb', ['ping', '-c', '5', '-i', '0.2', '-W', '3', '10.1.0.2']);
	sites.spawnIn('hb', ['iperf3', '-s', '-B', '10.2.0.2']);
	await sleep(300);
	const iperf = (extra: string[]) => JSON.parse(sites.exec('ha', ['iperf3', '-c', '10.2.0.2', '-t', '1', '-J', ...extra])) as {
		end: { sum_received?: { bytes: number } };
	};
	// MSS 1300: full-size segments need the dataplane's PMTU handling (a separate piece of
	// issue 4); this scenario is about the exception path and the wire
	facts['tcpAtoB'] = iperf(['-M', '1300']).end.sum_received?.bytes ?? 0;
	facts['tcpBtoA'] = iperf(['-M', '1300', '-R']).end.sum_received?.bytes ?? 0;
	facts['sas'] = (await sites.sas()).map(r => ({ dir: r.dir, packets: r.packets }));
	facts['stats'] = JSON.parse(sites.exec('ga', ['node', '--import', 'tsx', 'operator/cli/main.ts', 'stats', '-o', 'json', '--socket', sites.socket])) as unknown;
});
