// A gateway on a wire, in network namespaces of its own: `exc<pid><tag>gw` holds the
// dataplane's af_packet port on a veth (and its exception TAP), `exc<pid><tag>pe` the peer's
// end of that veth. The gateway's veth stays unaddressed and is told to ignore what af_packet
// does not take away from it (TESTBED: af_packet copies, the kernel still sees every frame):
// no ARP replies, strict reverse-path filter, no IPv6 — so only the TAP answers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ealArgs, runnerPath } from '../dataplane/harness.js';

export class Ns {
	constructor(readonly name: string) {
		execFileSync('ip', ['netns', 'add', name]);
		this.ip('link set lo up');
	}

	/** `ip -n NAME <args>`; args split on spaces */
	ip(args: string): string {
		return execFileSync('ip', ['-n', this.name, ...args.split(' ')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	}

	/** a command inside the namespace; its stdout */
	exec(cmd: string, args: readonly string[], timeoutMs = 60_000): string {
		return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
	}

	/** `ip -j -n NAME <args>` parsed */
	json<T = Record<string, unknown>[]>(args: string): T {
		const out = this.ip(`-j ${args}`).trim();
		return (out === '' ? [] : JSON.parse(out)) as T;
	}

	delete(): void {
		try {
			execFileSync('ip', ['netns', 'del', this.name]);
		} catch {
			// already gone
		}
	}
}

/** {gateway ns, veth} => the veth made a silent carrier for af_packet (see the header) */
export function quietVeth(ns: Ns, dev: string): void {
	ns.exec('sysctl', ['-qw', `net.ipv4.conf.${dev}.arp_ignore=8`, `net.ipv4.conf.${dev}.rp_filter=1`,
		'net.ipv4.conf.all.rp_filter=1', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
	ns.ip(`link set ${dev} up`);
}

/**
 * {ns, veth} => its sender computes checksums itself. A veth leaves TCP/UDP checksums to
 * "hardware" (CHECKSUM_PARTIAL); af_packet hands such frames over unfinished, and the kernel
 * behind the TAP drops them as corrupt. A real NIC, or a VF, always carries finished ones.
 */
export function txChecksumOff(ns: Ns, dev: string): void {
	ns.exec('ethtool', ['-K', dev, 'tx', 'off']);
}

export interface Wire {
	gw: Ns;
	peer: Ns;
	/** the gateway's veth (the dataplane's wan port) and the peer's */
	gwDev: string;
	peerDev: string;
	remove(): void;
}

/** {tag} => two namespaces joined by a veth; the peer's end up */
export function makeWire(tag: string): Wire {
	const base = `exc${process.pid}${tag}`;
	const gw = new Ns(`${base}gw`);
	const peer = new Ns(`${base}pe`);
	const gwDev = `exw${tag}`;
	const peerDev = `exp${tag}`;
	execFileSync('ip', ['link', 'add', gwDev, 'netns', gw.name, 'type', 'veth', 'peer', 'name', peerDev, 'netns', peer.name]);
	quietVeth(gw, gwDev);
	peer.ip(`link set ${peerDev} up`);
	txChecksumOff(peer, peerDev);
	return { gw, peer, gwDev, peerDev, remove: () => { gw.delete(); peer.delete(); } };
}

export interface Runner {
	child: ChildProcess;
	/** SIGTERM, wait for exit, the stats JSON it wrote */
	stop(): Promise<{ ports: Record<string, number | string>[]; drops: Record<string, number> }>;
	output(): string;
}

/** {ns, dir, config, EAL vdevs} => the esplane-dp runner started inside ns */
export function startRunner(ns: Ns, dir: string, config: unknown, vdevs: string[]): Runner {
	const cfg = join(dir, 'config.json');
	const stats = join(dir, 'stats.json');
	writeFileSync(cfg, JSON.stringify(config));
	const child = spawn('ip', ['netns', 'exec', ns.name, runnerPath, '--config', cfg, '--stats-json', stats,
		'--log', join(dir, 'dp.log'), '--', ...ealArgs(vdevs)], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
	const exited = new Promise<void>(resolve => child.on('close', () => resolve()));
	return {
		child,
		output: () => out + (existsSync(join(dir, 'dp.log')) ? readFileSync(join(dir, 'dp.log'), 'utf8') : ''),
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
			await exited;
			clearTimeout(timer);
			return JSON.parse(readFileSync(stats, 'utf8')) as Awaited<ReturnType<Runner['stop']>>;
		},
	};
}

/** {condition} => resolves once it holds; throws with what after timeoutMs */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!cond()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise(r => setTimeout(r, 100));
	}
}

/** {ns, ifname} => true once the interface exists there */
export function hasLink(ns: Ns, ifname: string): boolean {
	try {
		ns.ip(`link show ${ifname}`);
		return true;
	} catch {
		return false;
	}
}
