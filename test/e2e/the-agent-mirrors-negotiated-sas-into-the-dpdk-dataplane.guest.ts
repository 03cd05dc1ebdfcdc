// Topology (operator/demo/two-sites.sh):
//   host-a ─ gw-a [charon + esplane agent, dpdk dataplane on null ports] ══ wan ══ gw-b [charon + Linux ESP] ─ host-b
// The kernel keeps the wire here (the exception path that hands it to the dataplane is a
// later step); this checks the agent binary's dpdk mode: the CHILD SAs charon negotiates
// reach the dataplane through the XFRM mirror, the node CLI reads them back from the
// dataplane, and a rekey replaces them there too.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scenario, sleep } from './guest.js';

await scenario('dpdk-mirror', { dataplane: 'dpdk', dpPorts: 'null' }, async (sites, facts) => {
	const [up] = await sites.waitEstablished(1);
	facts['tunnel'] = up;
	const rows = await sites.sas();
	facts['policies'] = await sites.policies();
	facts['sas'] = rows.map(r => ({ spi: r.spi, dir: r.dir, algorithm: r.algorithm }));
	execFileSync('swanctl', ['--rekey', '--child', 'default/site-b', '--uri', `unix://${sites.gwa!.vici}`], { stdio: 'ignore' });
	const deadline = Date.now() + 20_000;
	let after = rows;
	while (Date.now() < deadline) {
		after = await sites.sas();
		const out = after.filter(r => r.dir === 'out').map(r => r.spi);
		if (!out.includes(up!.spiOut!) && out.length >= 1) break;
		await sleep(250);
	}
	facts['afterRekey'] = after.map(r => ({ spi: r.spi, dir: r.dir }));
	facts['stats'] = JSON.parse(sites.exec('ga', ['node', '--import', 'tsx', 'operator/cli/main.ts', 'stats', '-o', 'json', '--socket', sites.socket])) as unknown;
	// the agent binary serves capture and trace in dpdk mode (null ports: nothing to see, but
	// a well-formed empty pcap and a trace that says its packets did not come)
	facts['trace'] = JSON.parse(sites.exec('ga', ['node', '--import', 'tsx', 'operator/cli/main.ts', 'trace', '2', '--wait', '1', '-o', 'json', '--socket', sites.socket])) as unknown;
	const pcap = join(dirname(sites.socket), 'wan.pcap');
	facts['captureLog'] = sites.exec('ga', ['sh', '-c', `node --import tsx operator/cli/main.ts capture --point wan-in --duration 1 -w ${pcap} --socket ${sites.socket} 2>&1`]);
	facts['pcapHeader'] = readFileSync(pcap).toString('hex');
});
