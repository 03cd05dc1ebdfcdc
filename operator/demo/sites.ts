// The two sites as an object, for the demo and the end-to-end tests (which run it inside a
// UML guest): build the namespaces, start gw-b (stock charon + kernel ESP, hand-written
// config) and gw-a (charon + esplane agent), and take each part down or restart it the way
// the field does — SIGKILL, SIGTERM, delete. Everything started is stopped by down().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { IPsecTunnel } from '../api/ipsectunnel.js';
import type { DpPolicy } from '../dataplane/types.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCharon, type Charon } from './charon.js';
import type { SaRow, TunnelRow } from '../agent/control-api.js';
import { callAgent } from '../cli/control-client.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface SitesOptions {
	/** namespace prefix; distinct per concurrent run */
	prefix: string;
	/** gw-a's dataplane */
	dataplane: 'kernel' | 'dpdk';
	/** put gw-a behind a masquerading NAT router */
	nat?: boolean;
	/** directory with gw-a's tunnel YAML (copied, so tests can edit it); default examples/ */
	configDir?: string;
	/** gw-b's swanctl.conf; default operator/demo/peer/swanctl.conf */
	peerConf?: string;
	/** strongswan.conf text for gw-b's charon, after the shipped file (e.g. limits for many tunnels) */
	peerCharonConf?: string;
	/** scratch (tmpfs in UML) */
	work: string;
	/**
	 * dpdk only: `null` runs the dataplane on null ports beside the kernel (the kernel keeps
	 * the wire and does ESP; the dataplane mirrors and counts) — the mode for testing the
	 * mirror before the dataplane owns the wire.
	 */
	dpPorts?: 'null';
	/** edits the IPsecTunnel objects of the config (NAT address, lifetimes, encapsulation…) */
	configure?: (tunnel: IPsecTunnel) => void;
	/**
	 * Run gw-a's agent under Kubernetes instead of --config-dir: tunnels come from the API
	 * server this kubeconfig names, for node `node` (env as the DaemonSet sets it). up() then
	 * leaves the agent to the caller, who starts the API server first and calls startAgent()
	 * (then waitExceptionPath() with dpdk on the wire).
	 */
	kubernetes?: { kubeconfig: string; node: string; leaseNamespace: string };
}

export class TwoSites {
	readonly o: SitesOptions;
	readonly configDir: string;
	readonly socket: string;
	gwa: Charon | undefined;
	gwb: Charon | undefined;
	agent: ChildProcess | undefined;
	readonly #stops: Array<() => Promise<void> | void> = [];

	constructor(o: SitesOptions) {
		this.o = o;
		this.configDir = join(o.work, 'config');
		this.socket = join(o.work, 'agent.sock');
	}

	ns(n: 'ha' | 'ga' | 'wan' | 'gb' | 'hb'): string {
		return `${this.o.prefix}-${n}`;
	}

	/** Runs a command in a namespace and returns its stdout. */
	exec(n: 'ha' | 'ga' | 'wan' | 'gb' | 'hb', cmd: string[], timeoutMs = 60_000): string {
		return execFileSync('ip', ['netns', 'exec', this.ns(n), ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
	}

	/** Starts a long-running command in a namespace; stopped by down(). */
	spawnIn(n: 'ha' | 'ga' | 'wan' | 'gb' | 'hb', cmd: string[], logFile?: string): ChildProcess {
		const redirect = logFile ? ` >> ${logFile} 2>&1` : ' > /dev/null 2>&1';
		const child = spawn('sh', ['-c', `exec ip netns exec ${this.ns(n)} ${cmd.map(a => `'${a.replaceAll("'", `'\\''`)}'`).join(' ')}${redirect}`], { stdio: 'ignore' });
		this.#stops.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
		return child;
	}

	async up(): Promise<void> {
		rmSync(this.o.work, { recursive: true, force: true });
		mkdirSync(this.o.work, { recursive: true });
		cpSync(this.o.configDir ?? join(repo, 'examples'), this.configDir, { recursive: true });
		if (this.o.configure) this.editConfig(this.o.configure);
		execFileSync('sh', [join(repo, 'operator/demo/two-sites.sh'), 'up', this.o.prefix], {
			stdio: 'ignore', env: { ...process.env, NAT: this.o.nat ? '1' : '0', GWA_DATAPLANE: this.o.dpPorts === 'null' ? 'kernel' : this.o.dataplane },
		});
		this.#stops.push(() => { execFileSync('sh', [join(repo, 'operator/demo/two-sites.sh'), 'down', this.o.prefix], { stdio: 'ignore' }); });
		this.gwb = await startCharon({ ns: this.ns('gb'), dir: join(this.o.work, 'gw-b'), ...(this.o.peerCharonConf ? { extraConf: this.o.peerCharonConf } : {}) });
		this.#stops.push(() => this.gwb?.stop());
		execFileSync('swanctl', ['--load-all', '--noprompt', '--file', this.o.peerConf ?? join(repo, 'operator/demo/peer/swanctl.conf'), '--uri', `unix://${this.gwb.vici}`], { stdio: 'ignore' });
		this.gwa = await startCharon({ ns: this.ns('ga'), dir: join(this.o.work, 'gw-a') });
		this.#stops.push(() => this.gwa?.stop());
		if (this.o.kubernetes) return;
		this.startAgent();
		if (this.o.dataplane === 'dpdk' && this.o.dpPorts !== 'null') await this.waitExceptionPath();
	}

	/**
	 * dpdk on the wire: waits for the agent to bring up the exception TAPs with gw-a's
	 * addresses, then gives the kernel the route to gw-b through the NAT router (charon's IKE
	 * goes the kernel's way; the dataplane mirrors the kernel's routes).
	 */
	async waitExceptionPath(timeoutMs = 90_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		const wan = this.o.nat ? '198.51.100.2' : '192.0.2.1';
		for (;;) {
			let addrs = '';
			try { addrs = this.exec('ga', ['ip', '-o', 'addr', 'show']); } catch { /* not yet */ }
			if (new RegExp(`esp-wan0\\s+inet ${wan.replaceAll('.', '\\.')}/`).test(addrs)) break;
			if (Date.now() > deadline) throw new Error(`the agent did not bring up esp-wan0 with ${wan} within ${timeoutMs / 1000} s\n${this.logs()}`);
			await sleep(100);
		}
		if (this.o.nat) this.exec('ga', ['ip', 'route', 'replace', '192.0.2.0/24', 'via', '198.51.100.1', 'dev', 'esp-wan0']);
	}

	/** Rewrites every IPsecTunnel in the config directory through `edit` (the agent picks it up). */
	editConfig(edit: (tunnel: IPsecTunnel) => void, file = 'site-to-site.yaml'): void {
		const path = join(this.configDir, file);
		const docs = yaml.loadAll(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
		for (const d of docs) if (d['kind'] === 'IPsecTunnel') edit(d as unknown as IPsecTunnel);
		writeFileSync(path, docs.map(d => yaml.dump(d)).join('---\n'));
	}

	/** Removes a config file: the tunnels in it are deleted. */
	removeConfig(file = 'site-to-site.yaml'): void {
		rmSync(join(this.configDir, file));
	}

	/** (Re)starts the esplane agent on gw-a. */
	startAgent(): ChildProcess {
		const k8s = this.o.kubernetes;
		const source = k8s ? [] : ['--config-dir', this.configDir];
		const env = k8s ? ['env', `KUBECONFIG=${k8s.kubeconfig}`, `NODE_NAME=${k8s.node}`, `POD_NAMESPACE=${k8s.leaseNamespace}`] : [];
		const args = [...env, 'node', '--import', 'tsx', join(repo, 'operator/cli/main.ts'), 'agent', ...source,
			'--dataplane', this.o.dataplane, '--vici', this.gwa!.vici, '--control-socket', this.socket, '--resync-ms', '1000'];
		if (this.o.dataplane === 'dpdk') {
			const ports = join(this.o.work, 'dp-ports.json');
			writeFileSync(ports, JSON.stringify(this.o.dpPorts === 'null' ? nullPorts() : wirePorts(this.o.nat ?? false)));
			// One guest CPU: both lcores on it (TESTBED.md). --no-pci is added by the agent.
			const vdevs = this.o.dpPorts === 'null'
				? '--vdev net_null0,no-rx=1 --vdev net_null1,no-rx=1'
				: `--vdev net_af_packet0,iface=${this.o.prefix}-ga0 --vdev net_af_packet1,iface=${this.o.prefix}-ga1`;
			args.push('--dp-ports', ports, '--eal', `--no-huge -m 256 --no-shconf --no-telemetry --lcores=0@0,1@0 ${vdevs}`, '--dp-socket', this.dpSocket);
		}
		this.agent = this.spawnIn('ga', args, join(this.o.work, 'agent.log'));
		return this.agent;
	}

	/** where gw-a's agent finds (or starts) its dataplane host, which outlives a killed agent */
	get dpSocket(): string {
		return join(this.o.work, 'dp', 'dp.sock');
	}

	/** A dataplane host left behind by an agent that did not stop cleanly: stopped by its pid file. */
	async stopDataplaneHost(): Promise<void> {
		let pid: number;
		try { pid = Number(readFileSync(`${this.dpSocket}.pid`, 'utf8').trim()); } catch { return; }
		if (!Number.isInteger(pid) || pid <= 1) return;
		const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
		try { process.kill(pid, 'SIGTERM'); } catch { return; }
		for (let i = 0; i < 100 && alive(); i++) await sleep(100);
		if (alive()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
	}

	/**
	 * Stops the agent with a signal and waits for it to go; after `killAfterMs` (if given) it
	 * is SIGKILLed, and that is said on stdout: an agent that hangs on SIGTERM is a bug to see,
	 * not a scenario that never ends.
	 */
	async stopAgent(signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<void> {
		const a = this.agent;
		if (!a || a.exitCode !== null || a.signalCode !== null) return;
		const gone = new Promise<void>(r => a.once('exit', () => r()));
		a.kill(signal);
		if (killAfterMs === undefined) return gone;
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<'late'>(r => { timer = setTimeout(() => r('late'), killAfterMs); });
		if (await Promise.race([gone, late]) === 'late') {
			process.stdout.write(`sites: the agent did not exit within ${killAfterMs / 1000} s of ${signal}; SIGKILL\n`);
			a.kill('SIGKILL');
			await gone;
		}
		clearTimeout(timer);
	}

	async tunnels(): Promise<TunnelRow[]> {
		return (await callAgent('tunnels.list', {}, this.socket)) as TunnelRow[];
	}

	async sas(): Promise<SaRow[]> {
		return (await callAgent('sa.list', {}, this.socket)) as SaRow[];
	}

	async policies(): Promise<DpPolicy[]> {
		return (await callAgent('sp.list', {}, this.socket)) as DpPolicy[];
	}

	/** Waits until `count` tunnels are ESTABLISHED with a CHILD SA installed; returns them. */
	async waitEstablished(count = 1, timeoutMs = 45_000): Promise<TunnelRow[]> {
		const deadline = Date.now() + timeoutMs;
		let last: unknown = 'no answer from the agent';
		while (Date.now() < deadline) {
			try {
				const rows = await this.tunnels();
				const up = rows.filter(r => r.ike === 'ESTABLISHED' && r.children > 0);
				if (up.length >= count) return up;
				last = rows;
			} catch (e) {
				last = (e as Error).message;
			}
			await sleep(200);
		}
		throw new Error(`${count} tunnel(s) not up within ${timeoutMs / 1000} s; last: ${JSON.stringify(last)}`);
	}

	/** The last lines of the logs, for a failure message. */
	logs(lines = 20): string {
		return ['agent.log', 'dp/dataplane-host.log', 'gw-a/charon.log', 'gw-b/charon.log'].map(f => {
			try { return `--- ${f}\n${readFileSync(join(this.o.work, f), 'utf8').split('\n').slice(-lines).join('\n')}`; } catch { return `--- ${f}: none`; }
		}).join('\n');
	}

	async down(): Promise<void> {
		await this.stopAgent('SIGTERM', 30_000).catch(() => {});
		await this.stopDataplaneHost().catch(() => {});
		for (const stop of this.#stops.reverse()) {
			try { await stop(); } catch { /* best effort; the namespaces go last */ }
		}
		this.#stops.length = 0;
	}
}

/** Null ports beside the kernel: the kernel keeps the wire, the dataplane mirrors and counts. */
function nullPorts() {
	return {
		ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'] }, { name: 'lan', port: 1, role: 'lan' }],
		routes: [{ dst: '10.1.0.0/24', port: 'lan' }, { dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.2' }],
		neighbors: [{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	};
}

/**
 * The dataplane on the wire: af_packet ports on ga0 (wan) and ga1 (lan), each with an
 * exception TAP that carries gw-a's addresses in the kernel (charon's IKE, ARP, ping). Routes
 * and neighbours come from the kernel's view of the TAPs; the file adds the NAT router's route.
 */
export function wirePorts(nat: boolean) {
	return {
		ports: [
			{ name: 'wan', port: 0, role: 'wan', addresses: [nat ? '198.51.100.2/24' : '192.0.2.1/24'], exception: 'esp-wan0' },
			{ name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'], exception: 'esp-lan0' },
		],
		routes: nat ? [{ dst: '192.0.2.0/24', port: 'wan', via: '198.51.100.1' }] : [],
		neighbors: [],
	};
}

