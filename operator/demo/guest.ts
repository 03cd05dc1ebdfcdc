// The demo's inside: runs where the kernel has ESP (a UML guest on our machines). Builds the
// two sites, starts gw-b (stock charon + kernel ESP, configured by hand) and gw-a (charon
// driven by `esplane agent --config-dir examples/`, the DPDK dataplane on af_packet ports with
// exception TAPs; ESPLANE_DEMO_DATAPLANE=kernel for the kernel's ESP), waits for the tunnel, and shows it
// working: the status table, ping and iperf3 through the tunnel, where to look next.
// Everything it starts it stops; the namespaces go too.
import { join } from 'node:path';
import { nodeCommands } from '../cli/node-commands.js';
import { TwoSites } from './sites.js';

const dataplane = (process.env['ESPLANE_DEMO_DATAPLANE'] ?? 'dpdk') as 'kernel' | 'dpdk';
const sites = new TwoSites({ prefix: 'espdemo', dataplane, work: join(process.env['SCRATCH'] ?? '/tmp', 'esplane-demo') });

const say = (s: string) => process.stdout.write(`${s}\n`);
const step = (s: string) => say(`\n▶ ${s}`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function main(): Promise<void> {
	say(`esplane demo — two sites, one IPsec tunnel
  host-a 10.1.0.2 ─ gw-a [charon + esplane agent, ${dataplane} dataplane] ══ ESP ══ gw-b [charon + Linux ESP] ─ host-b 10.2.0.2`);
	step('building the two sites in network namespaces');
	say('  gw-b: stock strongSwan + the Linux kernel\'s ESP, configured by hand (operator/demo/peer/swanctl.conf)');
	say('  gw-a: charon driven by esplane agent --config-dir examples/ (the IPsecTunnel in examples/site-to-site.yaml)');
	if (dataplane === 'dpdk') say('        the DPDK dataplane owns its wire (af_packet ports); IKE, ARP and ping reach the kernel through exception TAPs');
	await sites.up();

	step('waiting for the tunnel (IKE_SA and CHILD_SA)');
	const t0 = Date.now();
	const [row] = await sites.waitEstablished(1, 120_000);
	say(`tunnel ${row!.name} is up after ${((Date.now() - t0) / 1000).toFixed(1)} s: SPIs in ${row!.spiIn} out ${row!.spiOut}`);

	step('ping host-a → host-b through the tunnel');
	const ping = sites.exec('ha', ['ping', '-c', '5', '-i', '0.2', '-W', '2', '10.2.0.2']);
	say(ping.split('\n').filter(l => /packets transmitted|rtt/.test(l)).join('\n'));
	if (!/ 0% packet loss/.test(ping)) throw new Error('ping lost packets');

	step('iperf3 host-a → host-b through the tunnel (3 s, TCP)');
	sites.spawnIn('hb', ['iperf3', '-s', '-1', '-B', '10.2.0.2']);
	await sleep(300);
	const iperf = JSON.parse(sites.exec('ha', ['iperf3', '-c', '10.2.0.2', '-t', '3', '-J'])) as { end: { sum_received: { bits_per_second: number } } };
	say(`received ${(iperf.end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s`);

	step('status: esplane tunnels / esplane sa list (what the node observes)');
	await nodeCommands['tunnels']!.run(['--socket', sites.socket]);
	await nodeCommands['sa']!.run(['list', '--socket', sites.socket]);
	if (dataplane === 'dpdk') {
		step('esplane stats: the dataplane\'s ports (to/from the kernel through the TAPs) and drops by reason');
		await nodeCommands['stats']!.run(['--socket', sites.socket]);
	}

	say(`
Where to look next:
  examples/site-to-site.yaml       the tunnel you just ran (same schema as the IPsecTunnel CRD)
  esplane tunnels | sa list | sp list | stats   the node CLI (kubectl exec ds/esplane-agent -- esplane …)
  npm test                         the whole suite, including these two sites end to end
  README.md                        install on a cluster (Helm, manifests), CRD reference, troubleshooting`);
}

let code = 0;
try {
	await main();
	say('\n✔ demo finished');
} catch (e) {
	code = 1;
	say(`\n✘ demo failed: ${(e as Error).message}`);
	say(sites.logs(15));
} finally {
	await sites.down();
}
process.exit(code);
