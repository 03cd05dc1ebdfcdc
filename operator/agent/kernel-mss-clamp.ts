// spec.mssClamp with the kernel's ESP (dataplane: kernel): the kernel does not clamp by
// itself, so the agent keeps one mangle chain per address family whose rules clamp the SYNs
// (and SYN-ACKs) of each clamping tunnel's reqid, both ways:
//   FORWARD -p tcp --tcp-flags SYN,RST SYN -j ESPLANE-MSS
//   ESPLANE-MSS -m policy --dir out --pol ipsec --reqid R -j TCPMSS --set-mss C   (into the tunnel)
//   ESPLANE-MSS -m policy --dir in  --pol ipsec --reqid R -j TCPMSS --set-mss C   (out of it)
// TCPMSS --set-mss never raises a smaller MSS, like the dpdk dataplane's clamp. Only forwarded
// traffic (what a gateway carries) is clamped; the node's own connections are not.
// The chain is rewritten whole with iptables-restore --noflush: one atomic commit per change,
// other rules in the table untouched. Nothing is touched while no tunnel clamps (but a chain
// a killed agent left behind is emptied).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '../log/index.js';

const execFileP = promisify(execFile);

export const MSS_CHAIN = 'ESPLANE-MSS';
const JUMP = ['FORWARD', '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', MSS_CHAIN];

/** {clamp by reqid} => iptables-restore input that replaces the chain's rules (same for IPv4 and IPv6) */
export function mssChainRestore(byReqid: ReadonlyMap<number, number>): string {
	const lines = ['*mangle', `:${MSS_CHAIN} - [0:0]`];
	for (const [reqid, clamp] of [...byReqid].sort((a, b) => a[0] - b[0])) {
		for (const dir of ['out', 'in']) lines.push(`-A ${MSS_CHAIN} -p tcp -m tcp --tcp-flags SYN,RST SYN -m policy --dir ${dir} --pol ipsec --reqid ${reqid} -j TCPMSS --set-mss ${clamp}`);
	}
	lines.push('COMMIT', '');
	return lines.join('\n');
}

export interface IptablesMssClampOptions {
	log: Logger;
	/** the iptables command per family; default iptables / ip6tables (ESPLANE_IPTABLES=iptables-legacy picks the -legacy pair) */
	commands?: { v4: string; v6: string };
	/** run every command under this (tests: ['ip', 'netns', 'exec', NS]) */
	prefix?: string[];
}

/** Commands by the ESPLANE_IPTABLES variant: '' (the system's), 'iptables-legacy', 'iptables-nft'. */
export function iptablesCommands(env: NodeJS.ProcessEnv = process.env): { v4: string; v6: string } {
	const variant = env['ESPLANE_IPTABLES'] ?? '';
	const suffix = variant.replace(/^iptables/, '');
	return { v4: `iptables${suffix}`, v6: `ip6tables${suffix}` };
}

export class IptablesMssClamp {
	readonly #o: IptablesMssClampOptions;
	readonly #cmd: { v4: string; v6: string };
	#last = '';
	#chain = false;
	#queue: Promise<void> = Promise.resolve();
	readonly #reported = new Map<string, string>();

	constructor(o: IptablesMssClampOptions) {
		this.#o = o;
		this.#cmd = o.commands ?? iptablesCommands();
	}

	#run(cmd: string, args: string[], input?: string): Promise<void> {
		const [file, ...pre] = [...(this.#o.prefix ?? []), cmd];
		if (input === undefined) return execFileP(file!, [...pre, ...args]).then(() => undefined);
		return new Promise((resolve, reject) => {
			const child = execFile(file!, [...pre, ...args], (err, _out, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve()));
			child.stdin?.end(input);
		});
	}

	/** {clamp by reqid} => the chains say exactly this (changes are serialised; the last one wins) */
	apply(byReqid: ReadonlyMap<number, number>): Promise<void> {
		const text = mssChainRestore(byReqid);
		this.#queue = this.#queue.then(() => this.#write(text, byReqid.size));
		return this.#queue;
	}

	/** Removes the jumps and the chains (agent stop). */
	async remove(): Promise<void> {
		await this.#queue;
		if (!this.#chain) return;
		for (const cmd of [this.#cmd.v4, this.#cmd.v6]) {
			await this.#run(cmd, ['-t', 'mangle', '-D', ...JUMP]).catch(() => undefined);
			await this.#run(cmd, ['-t', 'mangle', '-F', MSS_CHAIN]).catch(() => undefined);
			await this.#run(cmd, ['-t', 'mangle', '-X', MSS_CHAIN]).catch(() => undefined);
		}
		this.#chain = false;
		this.#last = '';
	}

	async #write(text: string, rules: number): Promise<void> {
		if (text === this.#last) return;
		// Nobody clamps: nothing to write, unless a killed agent left a chain (its reqids may be reused by now).
		if (!this.#chain && rules === 0 && !(await this.#run(this.#cmd.v4, ['-t', 'mangle', '-S', MSS_CHAIN]).then(() => true, () => false))) return;
		let ok = false;
		for (const [family, cmd] of [['ipv4', this.#cmd.v4], ['ipv6', this.#cmd.v6]] as const) {
			try {
				await this.#run(`${cmd}-restore`, ['--noflush'], text);
				// the jump goes in once; -C first so a restarted agent does not add a second one
				const has = await this.#run(cmd, ['-t', 'mangle', '-C', ...JUMP]).then(() => true, () => false);
				if (!has) await this.#run(cmd, ['-t', 'mangle', '-I', ...JUMP.slice(0, 1), '1', ...JUMP.slice(1)]);
				this.#report(family, '');
				if (family === 'ipv4') ok = true;
			} catch (e) {
				const msg = ((e as { stderr?: string }).stderr || (e as Error).message).trim();
				// IPv4 failing means no clamping at all for IPv4 tunnels: an error; IPv6 alone may simply be absent
				this.#report(family, msg);
			}
		}
		this.#chain = true;
		// IPv4 written: done until the map changes (a node without ip6tables is told once, not every look)
		if (ok) {
			this.#last = text;
			this.#o.log.info({ reqids: rules, chain: MSS_CHAIN }, 'kernel MSS clamping rules written');
		}
	}

	#report(family: 'ipv4' | 'ipv6', msg: string): void {
		if (this.#reported.get(family) === msg) return;
		this.#reported.set(family, msg);
		if (msg) this.#o.log[family === 'ipv4' ? 'error' : 'warn']({ family, err: msg }, 'kernel MSS clamping rules not written: TCP SYNs through these tunnels are not clamped');
	}
}

