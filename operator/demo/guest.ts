// The demo's inside: runs where the kernel has ESP (a UML guest on our machines). Builds the
// two sites, starts gw-b (stock charon + kernel ESP, configured by hand) and gw-a (charon
// driven by `esplane agent --config-dir examples/`), waits for the tunnel, and shows it
// working: the status table, ping and iperf3 through the tunnel, where to look next.
// Everything it starts it stops; the namespaces go too.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCharon, type Charon } from '../../test/helpers/charon.js';
import type { TunnelRow } from '../agent/control-api.js';
import { callAgent } from '../cli/control-client.js';
import { nodeCommands } from '../cli/node-commands.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const prefix = 'espdemo';
const ns = (n: string) => `${prefix}-${n}`;
const work = join(process.env['SCRATCH'] ?? '/tmp', 'esplane-demo');
const socket = join(work, 'agent.sock');
const dataplane = (process.env['ESPLANE_DEMO_DATAPLANE'] ?? 'kernel') as 'kernel' | 'dpdk';

const say = (s: string) => process.stdout.write(`${s}\n`);
const step = (s: string) => say(`\n▶ ${s}`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (n: string, cmd: string[]) => run('ip', ['netns', 'exec', ns(n), ...cmd]);

const started: Array<{ stop: () => Promise<void> | void }> = [];

function topology(action: 'up' | 'down'): void {
	run('sh', [join(repo, 'operator/demo/two-sites.sh'), action, prefix]);
}

async function waitForTunnel(timeoutMs: number): Promise<TunnelRow> {
	const deadline = Date.now() + timeoutMs;
	let last: TunnelRow | undefined;
	while (Date.now() < deadline) {
		try {
			const rows = (await callAgent('tunnels.list', {}, socket)) as TunnelRow[];
			last = rows[0];
			if (last && last.ike === 'ESTABLISHED' && last.children > 0) return last;
		} catch { /* agent still starting */ }
		await sleep(250);
	}
	throw new Error(`the tunnel did not come up within ${timeoutMs / 1000} s (last seen: ${JSON.stringify(last ?? 'no agent answer')})`);
}

async function main(): Promise<void> {
	say(`esplane demo — two sites, one IPsec tunnel
  host-a 10.1.0.2 ─ gw-a [charon + esplane agent, ${dataplane} dataplane] ══ ESP ══ gw-b [charon + Linux ESP] ─ host-b 10.2.0.2`);
	rmSync(work, { recursive: true, force: true });
	mkdirSync(work, { recursive: true });

	step('building the two sites in network namespaces');
	topology('up');
	started.push({ stop: () => topology('down') });

	step('starting gw-b: stock strongSwan with the Linux kernel\'s ESP (operator/demo/peer/swanctl.conf)');
	const gwb: Charon = await startCharon({ ns: ns('gb'), dir: join(work, 'gw-b') });
	started.push(gwb);
	say(run('swanctl', ['--load-all', '--noprompt', '--file', join(repo, 'operator/demo/peer/swanctl.conf'), '--uri', `unix://${gwb.vici}`]).split('\n').filter(l => /loaded|success/.test(l)).join('\n'));

	step('starting gw-a: charon driven by esplane agent --config-dir examples/');
	const gwa: Charon = await startCharon({ ns: ns('ga'), dir: join(work, 'gw-a') });
	started.push(gwa);
	const agentLog = join(work, 'agent.log');
	const agent: ChildProcess = spawn('sh', ['-c', `exec ip netns exec ${ns('ga')} node --import tsx ${join(repo, 'operator/cli/main.ts')} agent --config-dir ${join(repo, 'examples')} --dataplane ${dataplane} --vici ${gwa.vici} --control-socket ${socket} --resync-ms 2000 >> ${agentLog} 2>&1`], { stdio: 'ignore' });
	started.push({ stop: () => { agent.kill('SIGTERM'); } });

	step('waiting for the tunnel (IKE_SA and CHILD_SA)');
	const t0 = Date.now();
	const row = await waitForTunnel(45_000);
	say(`tunnel ${row.name} is up after ${((Date.now() - t0) / 1000).toFixed(1)} s: SPIs in ${row.spiIn} out ${row.spiOut}`);

	step('ping host-a → host-b through the tunnel');
	const ping = inNs('ha', ['ping', '-c', '5', '-i', '0.2', '-W', '2', '10.2.0.2']);
	say(ping.split('\n').filter(l => /packets transmitted|rtt/.test(l)).join('\n'));
	if (!/ 0% packet loss/.test(ping)) throw new Error('ping lost packets');

	step('iperf3 host-a → host-b through the tunnel (3 s, TCP)');
	const server = spawn('ip', ['netns', 'exec', ns('hb'), 'iperf3', '-s', '-1', '-B', '10.2.0.2'], { stdio: 'ignore' });
	started.push({ stop: () => { server.kill('SIGTERM'); } });
	await sleep(300);
	const iperf = JSON.parse(inNs('ha', ['iperf3', '-c', '10.2.0.2', '-t', '3', '-J'])) as { end: { sum_received: { bits_per_second: number } } };
	say(`received ${(iperf.end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s`);

	step('status: esplane tunnels / esplane sa list (what the node observes)');
	await nodeCommands['tunnels']!.run(['--socket', socket]);
	await nodeCommands['sa']!.run(['list', '--socket', socket]);

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
	for (const f of ['agent.log', 'gw-a/charon.log', 'gw-b/charon.log']) {
		try { say(`--- ${f} (last lines)\n${readFileSync(join(work, f), 'utf8').split('\n').slice(-15).join('\n')}`); } catch { /* none */ }
	}
} finally {
	for (const s of started.reverse()) {
		try { await s.stop(); } catch { /* best effort: the namespaces go last anyway */ }
	}
	rmSync(work, { recursive: true, force: true });
}
process.exit(code);
