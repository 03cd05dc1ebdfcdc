// The real agent under Kubernetes in dpdk mode (in a network namespace of this test, its
// dataplane in a host process it spawns, the API-server test double reached over real HTTP
// through a unix-socket bridge into the namespace): the wan address and routes come from its
// Node's annotations, not the DaemonSet's ports file; an edited annotation is followed on the
// exception TAP; a malformed one is refused with a Warning Event on the Node naming it, and
// the agent keeps running with the addresses that worked.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { repoRoot } from '../../operator/api/generate-crd.js';
import { pcap } from '../../bench/dataplane/esp-setup.js';
import { scratch } from '../dataplane/harness.js';
import { startApiServerDouble } from '../helpers/apiserver/cluster.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const NODE = 'gw-nodewan';
const TAP = 'nwwan0';

test('a node\'s annotations set its TAP addresses and routes, a change is followed, a bad one is refused by name', async t => {
	const { dir, remove } = scratch('nodewan-agent');
	const ns = `nodewan-${process.pid}`;
	const cluster = await startApiServerDouble();
	t.teardown(async () => {
		// the spawned dataplane host outlives a killed agent by design: every process in the
		// test's namespace is the test's own
		const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
		for (const pid of pids) {
			try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
		}
		spawnSync('ip', ['netns', 'del', ns]);
		await cluster.stop();
		remove();
	});
	t.is(spawnSync('ip', ['netns', 'add', ns]).status, 0, 'a namespace of the test');
	spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);

	// the double listens in this namespace; a unix socket carries the agent's connections to it
	const bridge = join(dir, 'api.sock');
	const apiPort = Number(new URL(cluster.double.url).port);
	const server = createServer(c => { const up = connect(apiPort, '127.0.0.1'); c.pipe(up).pipe(c); up.on('error', () => c.destroy()); c.on('error', () => up.destroy()); });
	await new Promise<void>(r => server.listen(bridge, r));
	t.teardown(() => { server.close(); });
	const inNs = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
		`require('net').createServer(c => { const u = require('net').connect(${JSON.stringify(bridge)}); c.pipe(u).pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); }).listen(16443, '127.0.0.1')`], { stdio: 'ignore' });
	t.teardown(() => { if (inNs.exitCode === null) inNs.kill('SIGKILL'); });
	writeFileSync(join(dir, 'kubeconfig'), cluster.double.kubeconfigYaml().replace(cluster.double.url, 'http://127.0.0.1:16443'));

	const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
	await core.createNode({ body: { metadata: { name: NODE, annotations: {
		'esplane.io/dp-addresses.wan': '192.0.2.10/24',
		'esplane.io/dp-routes.wan': '198.51.100.0/24 via 192.0.2.1',
	} } } });
	const annotate = (annotations: Record<string, string>) => core.patchNode({ name: NODE, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

	writeFileSync(join(dir, 'empty.pcap'), pcap([]));
	// the DaemonSet's file: one address and gateway for every node, which this node overrides
	writeFileSync(join(dir, 'ports.json'), JSON.stringify({
		ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['203.0.113.99/24'], exception: TAP }, { name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'] }],
		routes: [{ dst: '0.0.0.0/0', port: 'wan', via: '203.0.113.1' }],
	}));
	const eal = ['--lcores', '0@(0-1),1@(0-1)', '--no-huge', '-m', '512', '--no-shconf', '--no-telemetry', '--file-prefix', `nodewan${process.pid}`,
		'--vdev', `net_pcap0,rx_pcap=${join(dir, 'empty.pcap')}`, '--vdev', `net_pcap1,rx_pcap=${join(dir, 'empty.pcap')}`];
	const agent = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(repoRoot, 'operator/cli/main.ts'), 'agent',
		'--dataplane', 'dpdk', '--dp-ports', join(dir, 'ports.json'), '--vici', join(dir, 'no-charon.vici'),
		'--control-socket', join(dir, 'agent.sock'), '--dp-socket', join(dir, 'dp.sock'), '--metrics-port', '0', '--eal', eal.join(' ')], {
		cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), NODE_NAME: NODE, POD_NAMESPACE: 'default', ESPLANE_WATCH_NAMESPACE: 'default', ESPLANE_NODE_PORTS_INTERVAL_MS: '300', ESPLANE_METRICS_HOST: '127.0.0.1', ESPLANE_LOG_LEVEL: 'warn' },
	});
	let stderr = '';
	agent.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
	agent.stdout.on('data', (d: Buffer) => { stderr += d.toString(); }); // the log
	t.teardown(() => { if (agent.exitCode === null) agent.kill('SIGKILL'); });

	const tap = () => {
		const addrs = JSON.parse(spawnSync('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', TAP], { encoding: 'utf8' }).stdout || '[]') as Array<{ addr_info: Array<{ local: string; prefixlen: number; scope: string }> }>;
		const routes = JSON.parse(spawnSync('ip', ['-n', ns, '-j', 'route', 'show', 'dev', TAP], { encoding: 'utf8' }).stdout || '[]') as Array<{ dst: string; gateway?: string }>;
		const v6 = JSON.parse(spawnSync('ip', ['-n', ns, '-6', '-j', 'route', 'show', 'dev', TAP], { encoding: 'utf8' }).stdout || '[]') as Array<{ dst: string; gateway?: string }>;
		return {
			addresses: (addrs[0]?.addr_info ?? []).filter(a => a.scope === 'global').map(a => `${a.local}/${a.prefixlen}`).sort(),
			routes: [...routes, ...v6].filter(r => r.gateway).map(r => `${r.dst} via ${r.gateway}`).sort(),
		};
	};
	const until = async (want: ReturnType<typeof tap>, what: string) => {
		let seen = tap();
		for (let i = 0; i < 240 && agent.exitCode === null && JSON.stringify(seen) !== JSON.stringify(want); i++) {
			await sleep(500);
			seen = tap();
		}
		t.deepEqual(seen, want, `${what} (agent stderr: ${stderr.slice(-1500)})`);
	};

	await until({ addresses: ['192.0.2.10/24'], routes: ['198.51.100.0/24 via 192.0.2.1'] }, 'the TAP has the node\'s address and routes, not the file\'s');

	await annotate({ 'esplane.io/dp-addresses.wan': '192.0.2.20/24,2001:db8::20/64', 'esplane.io/dp-routes.wan': '198.51.100.0/24 via 192.0.2.1,2001:db8:9::/48 via 2001:db8::1' });
	await until({ addresses: ['192.0.2.20/24', '2001:db8::20/64'], routes: ['198.51.100.0/24 via 192.0.2.1', '2001:db8:9::/48 via 2001:db8::1'] }, 'an edited annotation is followed');

	await annotate({ 'esplane.io/dp-addresses.wan': '192.0.2.300/24' });
	let warning: string | undefined;
	for (let i = 0; i < 120 && !warning; i++) {
		const events = await core.listNamespacedEvent({ namespace: 'default' });
		warning = events.items.find(e => e.involvedObject.kind === 'Node' && e.involvedObject.name === NODE && e.reason === 'BadPortsAnnotation')?.message;
		if (!warning) await sleep(500);
	}
	t.is(warning, `node ${NODE}, annotation esplane.io/dp-addresses.wan: address: "192.0.2.300/24" is not an IPv4 or IPv6 prefix`);
	await sleep(1500); // several reads later
	t.deepEqual(tap().addresses, ['192.0.2.20/24', '2001:db8::20/64'], 'the addresses that worked stay');
	t.is(agent.exitCode, null, 'the agent keeps running');
	t.regex(stderr, /ports annotation refused/);

	agent.kill('SIGTERM');
	t.is(await Promise.race([new Promise(r => agent.once('exit', r)), sleep(60_000).then(() => 'timeout')]), 0, 'the agent stops cleanly');
});
