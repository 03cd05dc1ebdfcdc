// The real agent in dpdk mode (its dataplane in a host process it spawns, in a network
// namespace of this test) with two worker lcores: one polls a lan port that replays traffic
// forever, the other a wan port that receives nothing. /metrics carries
// esplane_dataplane_lcore_busy_ratio per lcore with real values (the loaded one busy, the
// idle one near 0), and `esplane stats` prints the same ratios. No charon: the dataplane's
// numbers do not wait for it. Ranges and order only, never speeds.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { nodeCommands } from '../../operator/cli/node-commands.js';
import { captureIo } from '../dataplane/capture-helpers.js';
import { scratch } from '../dataplane/harness.js';
import { frame, pcap } from '../../bench/dataplane/esp-setup.js';
import type { StatsView } from '../../operator/agent/control-api.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const METRICS_PORT = 19478;

test('/metrics and esplane stats show a loaded lcore busy and an idle one near 0', async t => {
	const { dir, remove } = scratch('lcore-agent');
	const ns = `lcore-m${process.pid}`;
	t.teardown(() => {
		// a failed run leaves the agent's spawned dataplane host (it outlives a killed agent by
		// design): every process in the test's namespace is the test's own
		const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
		for (const pid of pids) {
			try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
		}
		spawnSync('ip', ['netns', 'del', ns]);
		remove();
	});
	t.is(spawnSync('ip', ['netns', 'add', ns]).status, 0, 'a namespace of the test');
	spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	writeFileSync(join(dir, 'lan.pcap'), pcap(Array.from({ length: 64 }, (_, i) => frame(64, i))));
	writeFileSync(join(dir, 'ports.json'), JSON.stringify({ ports: [{ name: 'wan', port: 0, role: 'wan' }, { name: 'lan', port: 1, role: 'lan' }] }));
	mkdirSync(join(dir, 'tunnels'));
	const sock = join(dir, 'agent.sock');
	const eal = ['--lcores', '0@(0-1),1@0,2@1', '--no-huge', '-m', '512', '--no-shconf', '--no-telemetry', '--file-prefix', `lcorem${process.pid}`,
		'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')}`, '--vdev', `net_pcap1,rx_pcap=${join(dir, 'lan.pcap')},infinite_rx=1`];
	const agent = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(repoRoot, 'operator/cli/main.ts'), 'agent',
		'--dataplane', 'dpdk', '--dp-ports', join(dir, 'ports.json'), '--config-dir', join(dir, 'tunnels'), '--vici', join(dir, 'no-charon.vici'),
		'--control-socket', sock, '--dp-socket', join(dir, 'dp.sock'), '--metrics-port', String(METRICS_PORT), '--resync-ms', '1000', '--eal', eal.join(' ')], {
		cwd: repoRoot, env: { ...process.env, ESPLANE_METRICS_HOST: '127.0.0.1', ESPLANE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'],
	});
	let stderr = '';
	agent.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
	const exited = new Promise<number | null>(resolve => agent.once('exit', code => resolve(code)));
	t.teardown(() => { if (agent.exitCode === null) agent.kill('SIGKILL'); });

	// the observer samples once a second; the first ratio covers the time since the start
	let stats: StatsView | undefined;
	for (let i = 0; i < 180 && agent.exitCode === null; i++) {
		const io = captureIo();
		if (await nodeCommands['stats']!.run(['-o', 'json', '--socket', sock], io) === 0) {
			stats = JSON.parse(io.stdout) as StatsView;
			if ((stats.lcores?.length ?? 0) === 2 && stats.lcores!.some(l => l.busyRatio > 0.5)) break;
		}
		await sleep(500);
	}
	t.truthy(stats, `the agent answers (stderr: ${stderr.slice(-1500)})`);
	t.deepEqual(stats?.lcores?.map(l => l.id), [1, 2], 'one row per worker lcore');
	const byId = new Map(stats?.lcores?.map(l => [l.id, l.busyRatio]));
	t.true(byId.get(1)! < 0.05, `the idle worker is near 0 in esplane stats (${byId.get(1)})`);
	t.true(byId.get(2)! > 0.5, `the loaded worker is busy in esplane stats (${byId.get(2)})`);
	const table = captureIo();
	await nodeCommands['stats']!.run(['--socket', sock], table);
	t.regex(table.stdout, /^LCORE\s+BUSY\n1\s+\d+\.\d %\n2\s+\d+\.\d %$/m, 'the table has an lcore section');

	const scrape = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
		`fetch('http://127.0.0.1:${METRICS_PORT}/metrics').then(r => r.text()).then(s => process.stdout.write(s))`], { encoding: 'utf8', timeout: 30_000 });
	t.is(scrape.status, 0, scrape.stderr);
	t.regex(scrape.stdout, /^# TYPE esplane_dataplane_lcore_busy_ratio gauge$/m);
	const value = (lcore: string) => Number(new RegExp(`^esplane_dataplane_lcore_busy_ratio\\{lcore="${lcore}",role="worker"\\} (\\S+)$`, 'm').exec(scrape.stdout)?.[1]);
	t.log(`busy ratio on /metrics: lcore 1 ${value('1')}, lcore 2 ${value('2')}`);
	t.true(value('1') >= 0 && value('1') < 0.05, `the idle lcore's gauge is near 0 (${value('1')})`);
	t.true(value('2') > 0.5 && value('2') <= 1, `the loaded lcore's gauge is high (${value('2')})`);

	agent.kill('SIGTERM');
	t.is(await Promise.race([exited, sleep(60_000).then(() => 'timeout')]), 0, 'the agent stops cleanly');
});
