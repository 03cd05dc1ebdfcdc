// 1,000 IPsecTunnels from create to all Accepted and Programmed: the operator runs as its own
// process (`esplane operator`, as deployed) against the API-server double over HTTP; three
// agents with fake programmers serve the nodes. Reports the time, the operator's memory
// (VmHWM/VmRSS from /proc) and the agents' status-patch rate per tunnel while every tunnel
// carries traffic (counters change on every observation).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { K8sAgent } from '../../operator/agent/k8s-agent.js';
import { repoRoot } from '../../operator/api/generate-crd.js';
import type { IPsecTunnel } from '../../operator/api/ipsectunnel.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { kubeConfigOf } from '../../test/helpers/apiserver/cluster.js';
import { ApiServerDouble } from '../../test/helpers/apiserver/server.js';
import { FakeProgrammer } from '../../test/operator/fake-programmer.js';
import type { Benchmark } from '../types.js';

const kib = (pid: number, field: string): number => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? 0);

/** User + system CPU seconds of a process (clock ticks are 1/100 s on Linux). */
const cpuSeconds = (pid: number): number => {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
	return (Number(fields[11]) + Number(fields[12])) / 100;
};

const bench: Benchmark = {
	title: 'operator: IPsecTunnels to Accepted/Programmed',
	run: async ({ quick, workDir, log }) => {
		const count = quick ? 100 : 1000;
		const double = new ApiServerDouble({ bookmarkIntervalMs: 5000 });
		await double.start();
		const kubeconfig = join(workDir, 'kubeconfig');
		writeFileSync(kubeconfig, double.kubeconfigYaml());
		const kc = kubeConfigOf(double);
		const api = kubeApi(kc);
		const core = kc.makeApiClient(CoreV1Api);
		const custom = kc.makeApiClient(CustomObjectsApi);
		const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
		const nodes = ['gw-1', 'gw-2', 'gw-3'];
		for (const name of nodes) {
			await core.createNode({ body: { metadata: { name } } });
			await core.patchNodeStatus({ name, body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: '' }] } } }, merge);
		}
		await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'psk' }, stringData: { psk: 'bench key' } } });
		const silent = createLogger('bench', { level: 'silent' });
		const agents = nodes.map((node) => {
			const programmer = new FakeProgrammer();
			programmer.traffic = true;
			return new K8sAgent({ kubeConfig: kc, node, programmer, leaseNamespace: 'default', namespace: 'default', log: silent });
		});
		for (const a of agents) await a.start();

		// The operator runs as compiled JavaScript, as in the image (bin/esplane prefers dist/):
		// under tsx the transpiler alone adds ~100 MiB to the process.
		const dist = join(workDir, 'dist');
		const compiled = await new Promise<boolean>((resolve) =>
			execFile(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', dist, '--declaration', 'false', '--sourceMap', 'false'], () => resolve(existsSync(join(dist, 'operator/cli/main.js')))),
		);
		if (compiled) {
			symlinkSync(join(repoRoot, 'node_modules'), join(dist, 'node_modules'));
			copyFileSync(join(repoRoot, 'package.json'), join(dist, 'package.json'));
		}
		log(compiled ? 'operator compiled to JavaScript' : 'compile failed: running the operator under tsx');
		const entry = compiled ? [join(dist, 'operator/cli/main.js')] : ['--import', 'tsx', join(repoRoot, 'operator/cli/main.ts')];
		const child = spawn(process.execPath, [...entry, 'operator', '--namespace', 'default', '--lease-namespace', 'default', '--identity', 'bench-operator'], {
			env: { ...process.env, KUBECONFIG: kubeconfig, ESPLANE_LOG_LEVEL: 'warn' },
			stdio: ['ignore', 'inherit', 'inherit'],
		});
		const pid = child.pid ?? 0;
		try {
			const deadline = Date.now() + 30_000;
			for (;;) {
				const lease = await api.getLease('default', 'esplane-operator').catch(() => undefined);
				if (lease?.spec?.holderIdentity === 'bench-operator') break;
				if (Date.now() > deadline) throw new Error('the operator did not take the lease');
				await new Promise((r) => setTimeout(r, 100));
			}
			await new Promise((r) => setTimeout(r, 300));
			const idleRss = kib(pid, 'VmRSS');
			const idleCpu = cpuSeconds(pid);
			log(`operator pid ${pid} leads; creating ${count} tunnels`);
			const t0 = performance.now();
			const body = (i: number): IPsecTunnel => ({
				apiVersion: 'esplane.io/v1alpha1',
				kind: 'IPsecTunnel',
				metadata: { name: `t-${i}` },
				spec: {
					local: { address: '192.0.2.1', subnets: [`10.${i >> 8}.${i & 255}.0/24`] },
					remote: { address: `198.51.${100 + (i % 100)}.2`, subnets: [`172.16.${i & 255}.0/24`] },
					auth: { psk: { secretRef: { name: 'psk', key: 'psk' } } },
				},
			});
			for (let i = 0; i < count; i += 20) {
				await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => custom.createNamespacedCustomObject({ group: 'esplane.io', version: 'v1alpha1', namespace: 'default', plural: 'ipsectunnels', body: body(i + j) })));
			}
			const created = performance.now() - t0;
			let accepted = 0;
			let programmed = 0;
			let allAcceptedMs = 0;
			for (;;) {
				const items = (await api.listTunnels('default')).items;
				const has = (t: IPsecTunnel, type: string) => t.status?.conditions?.some((c) => c.type === type && c.status === 'True' && c.observedGeneration === t.metadata.generation);
				accepted = items.filter((t) => has(t, 'Accepted')).length;
				programmed = items.filter((t) => has(t, 'Programmed')).length;
				if (accepted === count && !allAcceptedMs) allAcceptedMs = performance.now() - t0;
				if (programmed === count) break;
				if (performance.now() - t0 > 300_000) throw new Error(`timed out: ${accepted} accepted, ${programmed} programmed`);
				await new Promise((r) => setTimeout(r, 250));
			}
			const allProgrammedMs = performance.now() - t0;
			const hwm = kib(pid, 'VmHWM');
			const operatorCpu = cpuSeconds(pid) - idleCpu;
			const rss = kib(pid, 'VmRSS');
			log(`all accepted after ${allAcceptedMs.toFixed(0)} ms, programmed after ${allProgrammedMs.toFixed(0)} ms; operator VmHWM ${hwm} kB`);

			// Patch rate while every tunnel's counters change on every agent observation.
			const windowMs = quick ? 12_000 : 30_000;
			const before = agents.reduce((n, a) => n + a.stats.patches, 0);
			await new Promise((r) => setTimeout(r, windowMs));
			const patches = agents.reduce((n, a) => n + a.stats.patches, 0) - before;
			const perTunnelPerMin = (patches / count) * (60_000 / windowMs);
			const events = (await core.listNamespacedEvent({ namespace: 'default' })).items;
			const moved = events.filter((e) => e.reason === 'Moved').length;
			const agentConflicts = agents.reduce((n, a) => n + a.stats.conflicts, 0);
			return {
				name: 'operator',
				rows: [
					{ case: `${count} IPsecTunnels created → all Accepted`, value: allAcceptedMs / 1000, unit: 's', extra: { createRequestsMs: Math.round(created) } },
					{ case: `${count} IPsecTunnels created → all Programmed (3 agents)`, value: allProgrammedMs / 1000, unit: 's', extra: { moves: moved, agentConflicts, apiRequests: double.requests.length } },
					{ case: `operator CPU time for ${count} tunnels (user+system)`, value: +operatorCpu.toFixed(2), unit: 's', extra: { msPerTunnel: +((operatorCpu * 1000) / count).toFixed(2) } },
					{ case: `operator memory with ${count} tunnels (VmHWM)`, value: hwm / 1024, unit: 'MiB', extra: { rssMiB: +(rss / 1024).toFixed(1), idleRssMiB: +(idleRss / 1024).toFixed(1) } },
					{ case: 'agent status patches per tunnel while counters change', value: +perTunnelPerMin.toFixed(2), unit: 'per min', target: '<= 6 per min (one per 10 s counter interval)', met: perTunnelPerMin <= 6.5 },
				],
				notes: [`operator process: ${compiled ? 'compiled JavaScript (node dist/operator/cli/main.js operator)' : 'TypeScript under tsx (compile failed)'}`, `load average at the end: ${(await import('node:os')).loadavg()[0]?.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs (wall-clock times stretch with it; the operator's CPU time does not)`, `API server: the test double in the benchmark process; operator: separate process via \`esplane operator\`; agents: in-process K8sAgent with fake programmers (syncs every 2 s, counters at most every 10 s).`],
			};
		} finally {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
			for (const a of agents) await a.stop();
			await double.stop();
		}
	},
};

export default bench;
