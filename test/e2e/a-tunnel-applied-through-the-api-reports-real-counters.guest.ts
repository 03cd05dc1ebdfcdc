// Topology (operator/demo/two-sites.sh), with a management link from the guest's root
// namespace to gw-a for the API server (a node reaches its API server off the wan):
//
//   API-server double + esplane operator (root netns, 172.31.255.1:6443)
//        │ mgmt veth
//   host-a ─ gw-a [charon + esplane agent, Kubernetes mode] ══ wan ══ gw-b [stock charon + Linux ESP] ─ host-b
//
// The tunnel and its Secret are applied with the real kubectl (examples/site-to-site.yaml);
// the operator accepts and assigns it, the agent programs charon and reports status. After a
// ping each way the status counters must equal the kernel's SA counters (no traffic between
// the two reads), and `kubectl delete` returns only once the SAs are gone.
// This process only serves the double and talks plain HTTP: @kubernetes/client-node takes
// ~30 s to load in the guest, and the operator and the agent each load it already.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { repo } from '../../operator/demo/sites.js';
import { ApiServerDouble } from '../helpers/apiserver/server.js';
import { scenario, sleep } from './guest.js';

const scratch = process.env['SCRATCH'] ?? '/tmp';
const kubeconfig = join(scratch, 'e2e-api-kubeconfig');
const API = '172.31.255.1';
const NODE = 'gw-a';
const NS = 'esplane-system';
const run = promisify(execFile);

/** Per direction, the kernel's own counters of gw-a's ESP SAs (`ip -s xfrm state`); keys are never kept. */
function kernelCounters(text: string, local: string): { packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number; sas: number } {
	const out = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, sas: 0 };
	for (const block of text.split(/^(?=src )/m)) {
		const dst = /^src \S+ dst (\S+)/.exec(block)?.[1];
		const cur = /lifetime current:\s*\n\s*(\d+)\(bytes\), (\d+)\(packets\)/.exec(block);
		if (!dst || !cur) continue;
		out.sas += 1;
		if (dst === local) {
			out.bytesIn += Number(cur[1]);
			out.packetsIn += Number(cur[2]);
		} else {
			out.bytesOut += Number(cur[1]);
			out.packetsOut += Number(cur[2]);
		}
	}
	return out;
}

await scenario('api', { kubernetes: { kubeconfig, node: NODE, leaseNamespace: NS } }, async (sites, facts) => {
	const t0 = Date.now();
	const at = () => (Date.now() - t0) / 1000;
	const k0 = `${sites.o.prefix}-k0`;
	const k1 = `${sites.o.prefix}-k1`;
	execFileSync('sh', ['-c', [
		`ip link add ${k0} type veth peer name ${k1}`, `ip link set ${k1} netns ${sites.ns('ga')}`,
		`ip addr add ${API}/30 dev ${k0}`, `ip link set ${k0} up`,
		`ip -n ${sites.ns('ga')} addr add 172.31.255.2/30 dev ${k1}`, `ip -n ${sites.ns('ga')} link set ${k1} up`,
	].join(' && ')]);

	const double = new ApiServerDouble({ host: API });
	await double.start();
	writeFileSync(kubeconfig, double.kubeconfigYaml());
	const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: sites.o.work, POD_NAMESPACE: NS, ESPLANE_METRICS_PORT: '0' };
	const operatorLog = join(sites.o.work, 'operator.log');
	const operator = spawn('sh', ['-c', `exec node --import tsx ${join(repo, 'operator/cli/main.ts')} operator --identity operator-0 >> ${operatorLog} 2>&1`], { env, stdio: 'ignore' });
	sites.startAgent();
	if (sites.o.dataplane === 'dpdk' && sites.o.dpPorts !== 'null') await sites.waitExceptionPath(90_000);
	// Asynchronous: the double answers from this process's event loop.
	const kubectl = async (...args: string[]) => (await run(join(repo, '.tools/kubectl'), args, { env, encoding: 'utf8', timeout: 60_000 })).stdout;
	const http = async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<any> => {
		const r = await fetch(`${double.url}${path}`, { method, headers: { 'content-type': type }, ...(body ? { body: JSON.stringify(body) } : {}) });
		if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
		return r.json();
	};
	const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const v = await probe().catch(() => undefined);
			if (v !== undefined) return v;
			if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
			await sleep(100);
		}
	};
	try {
		// The kubelet's part: the Node, Ready.
		await http('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
		await http('PATCH', `/api/v1/nodes/${NODE}/status`, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'e2e' }] } }, 'application/merge-patch+json');
		// Both processes up: the operator leads, the agent renews its heartbeat.
		const lease = (name: string) => async () => (double.object('leases', NS, name) ? true : undefined);
		await until('the operator leads', lease('esplane-operator'), 90_000);
		await until('the agent renews its heartbeat', lease(`esplane-agent-${NODE}`), 90_000);
		facts['secondsToProcessesUp'] = at();

		const applied = Date.now();
		facts['applyOutput'] = (await kubectl('apply', '--validate=false', '-f', join(repo, 'examples/site-to-site.yaml'))).trim();
		const reached: Record<string, number> = {};
		let last: IPsecTunnel | undefined;
		const wait = (what: string, ok: (t: IPsecTunnel) => boolean, timeoutMs: number): Promise<IPsecTunnel> =>
			until(what, async () => {
				last = (double.object('ipsectunnels', 'default', 'site-b') as IPsecTunnel | undefined) ?? last;
				for (const c of last?.status?.conditions ?? []) if (c.status === 'True' && reached[c.type] === undefined) reached[c.type] = (Date.now() - applied) / 1000;
				return last && ok(last) ? last : undefined;
			}, timeoutMs).catch((e: Error) => {
				throw new Error(`${e.message}; last status: ${JSON.stringify(last?.status)}`);
			});
		const isTrue = (t: IPsecTunnel, type: string) => t.status?.conditions?.some(c => c.type === type && c.status === 'True' && c.observedGeneration === t.metadata.generation) ?? false;
		const established = await wait('Accepted, Programmed and Established', t => ['Accepted', 'Programmed', 'Established'].every(c => isTrue(t, c)), 45_000);
		facts['secondsToEstablished'] = (Date.now() - applied) / 1000;
		facts['finalizers'] = established.metadata.finalizers;
		facts['node'] = established.status?.node;
		facts['nodeLabel'] = established.metadata.labels?.['esplane.io/node'];
		facts['sasInStatus'] = established.status?.sas;

		// Asynchronous too: a blocked event loop would stall the double's answers.
		const ping = async (from: 'ha' | 'hb', to: string) => (await run('ip', ['netns', 'exec', sites.ns(from), 'ping', '-c', '3', '-i', '0.2', '-W', '2', to], { encoding: 'utf8' }).catch((e: { stdout: string }) => e)).stdout.split('\n').find(l => /packets transmitted/.test(l)) ?? '';
		facts['pingAtoB'] = await ping('ha', '10.2.0.2');
		facts['pingBtoA'] = await ping('hb', '10.1.0.2');

		// No traffic crosses from here on: the kernel's counters stand still, and the status
		// must come to say exactly them (a counter-only patch may wait its rate limit).
		const kernelRead = () => kernelCounters(sites.exec('ga', ['ip', '-s', 'xfrm', 'state']), '192.0.2.1');
		let kernel = kernelRead();
		const ready = await wait('Ready with the kernel\'s counters', t => {
			kernel = kernelRead();
			const s = t.status?.traffic;
			return isTrue(t, 'Ready') && s !== undefined && s.packetsIn === kernel.packetsIn && s.packetsOut === kernel.packetsOut && s.bytesIn === kernel.bytesIn && s.bytesOut === kernel.bytesOut;
		}, 25_000).catch((e: Error) => {
			facts['countersNeverAgreed'] = e.message;
			return last!;
		});
		facts['secondsToCountersInStatus'] = (Date.now() - applied) / 1000;
		facts['statusTraffic'] = ready.status?.traffic;
		facts['kernelCounters'] = kernel;
		facts['reached'] = reached;
		facts['conditions'] = ready.status?.conditions?.map(c => `${c.type}=${c.status}/${c.reason}`);
		facts['kubectlGet'] = (await kubectl('get', 'ipt')).trim();

		// kubectl delete waits for the object to be gone, i.e. for the finalizer's release.
		const deleting = Date.now();
		facts['deleteOutput'] = (await kubectl('delete', 'ipsectunnel', 'site-b', '--timeout=40s')).trim();
		facts['secondsToDeleted'] = (Date.now() - deleting) / 1000;
		facts['kernelSasWhenGone'] = kernelRead().sas;
		facts['kernelPoliciesWhenGone'] = sites.exec('ga', ['ip', 'xfrm', 'policy', 'list']).split('\n').filter(l => l.includes('10.2.0.0/24')).length;
		facts['charonSasWhenGone'] = sites.exec('ga', ['swanctl', '--list-sas', '--uri', `unix://${sites.gwa!.vici}`]).split('\n').filter(l => /ESTABLISHED|INSTALLED/.test(l)).length;
		facts['objectAfterDelete'] = double.object('ipsectunnels', 'default', 'site-b') ?? null;
		facts['guestSeconds'] = at();
	} catch (e) {
		const tail = (f: string) => { try { return readFileSync(f, 'utf8').split('\n').slice(-30).join('\n'); } catch { return '(none)'; } };
		throw new Error(`${(e as Error).stack}\n--- operator.log\n${tail(operatorLog)}\n--- agent.log\n${tail(join(sites.o.work, 'agent.log'))}\n--- API requests\n${double.requests.slice(-40).join('\n')}`);
	} finally {
		operator.kill('SIGTERM');
		await sites.stopAgent('SIGTERM');
		await double.stop();
		try { execFileSync('ip', ['link', 'del', k0], { stdio: 'ignore' }); } catch { /* gone with gw-a's namespace */ }
	}
});
