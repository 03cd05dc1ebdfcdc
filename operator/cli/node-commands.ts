// The node debug CLI: `kubectl exec ds/esplane-agent -- esplane sa list`. Every command asks
// the local agent over its control socket; tables for people, `-o json` for scripts.
import { Methods, type SaRow, type SpRow, type StatsView, type TunnelRow } from '../agent/control-api.js';
import { callAgent, callFailed, defaultSocketPath } from './control-client.js';
import { runCapture, runTrace } from './capture-commands.js';
import { renderTable } from './table.js';

export interface CliIo {
	out: (s: string) => void;
	err: (s: string) => void;
	/** binary output (a pcap to stdout); the process's stdout when absent */
	outBytes?: (b: Buffer) => void;
}

const stdio: CliIo = { out: s => process.stdout.write(s), err: s => process.stderr.write(s) };

export interface Flags {
	json: boolean;
	socket: string;
	positional: string[];
}

export function parseFlags(args: string[]): Flags {
	const flags: Flags = { json: false, socket: defaultSocketPath, positional: [] };
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '-o' || a === '--output') {
			const v = args[++i];
			if (v !== 'json' && v !== 'table') throw new Error(`-o takes json or table, not '${v ?? ''}'`);
			flags.json = v === 'json';
		} else if (a === '-o=json' || a === '--output=json') flags.json = true;
		else if (a === '--socket') flags.socket = args[++i] ?? flags.socket;
		else flags.positional.push(a);
	}
	return flags;
}

export type View = (result: unknown) => string;

const saTable: View = r => renderTable(
	['spi', 'dir', 'src', 'dst', 'algorithm', 'encap', 'packets', 'bytes', 'seq', 'tunnel'],
	(r as SaRow[]).map(s => [s.spi, s.dir, s.src, s.dst, s.algorithm, s.encap, s.packets, s.bytes, s.seq, s.unprogrammable ? `NOT PROGRAMMED: ${s.unprogrammable}` : s.tunnel]),
);

const spTable: View = r => renderTable(
	['dir', 'src', 'dst', 'proto', 'action', 'spi', 'priority'],
	(r as SpRow[]).map(p => [p.dir, p.src, p.dst, p.proto ?? 'any', p.action, p.spi, p.priority]),
);

const tunnelTable: View = r => renderTable(
	['tunnel', 'ike', 'sas', 'spi-in', 'spi-out', 'algorithm', 'pkts-in', 'pkts-out', 'bytes-in', 'bytes-out'],
	(r as TunnelRow[]).map(t => [t.name, t.ike, t.children, t.spiIn, t.spiOut, t.algorithm, t.packetsIn, t.packetsOut, t.bytesIn, t.bytesOut]),
);

const statsTable: View = r => {
	const s = r as StatsView;
	const ports = renderTable(['port', 'rx-packets', 'tx-packets', 'rx-bytes', 'tx-bytes', 'drops', 'to-kernel', 'from-kernel'],
		s.ports.map(p => [p.name, p.rxPackets, p.txPackets, p.rxBytes, p.txBytes, p.drops, p.toKernel ?? '-', p.fromKernel ?? '-']));
	const drops = renderTable(['drop reason', 'packets'], Object.entries(s.drops).map(([k, v]) => [k, v]));
	if (!s.lcores?.length) return `${ports}\n${drops}`;
	const lcores = renderTable(['lcore', 'busy'], s.lcores.map(l => [l.id, `${(l.busyRatio * 100).toFixed(1)} %`]));
	return `${ports}\n${drops}\n${lcores}`;
};

export async function ask(io: CliIo, flags: Flags, method: string, params: Record<string, unknown>, view: View, timeoutMs?: number): Promise<number> {
	try {
		const result = await callAgent(method, params, flags.socket, timeoutMs);
		io.out(flags.json ? JSON.stringify(result, null, 2) + '\n' : view(result));
		return 0;
	} catch (e) {
		return callFailed(io.err, e);
	}
}

/** {args after the command name} => exit code. */
export const nodeCommands: Record<string, { summary: string; run: (args: string[], io?: CliIo) => Promise<number> }> = {
	tunnels: {
		summary: 'tunnels on this node: IKE state, SPIs, algorithms, traffic',
		run: async (args, io = stdio) => ask(io, parseFlags(args), Methods.tunnels, {}, tunnelTable),
	},
	sa: {
		summary: 'sa list | sa show SPI: the SAs the dataplane holds, with counters',
		run: async (args, io = stdio) => {
			const flags = parseFlags(args);
			const [sub, spi] = flags.positional;
			if (sub === 'list' || sub === undefined) return ask(io, flags, Methods.saList, {}, saTable);
			if (sub === 'show' && spi) return ask(io, flags, Methods.saShow, { spi }, r => saTable([r]) + `\ndrops: ${JSON.stringify((r as SaRow).drops ?? {})}\n`);
			io.err('usage: esplane sa list | esplane sa show SPI [-o json]\n');
			return 2;
		},
	},
	sp: {
		summary: 'sp list: the security policies the dataplane enforces',
		run: async (args, io = stdio) => {
			const flags = parseFlags(args);
			if (flags.positional[0] !== undefined && flags.positional[0] !== 'list') {
				io.err('usage: esplane sp list [-o json]\n');
				return 2;
			}
			return ask(io, flags, Methods.spList, {}, spTable);
		},
	},
	stats: {
		summary: "per-port counters, drops by reason, and each worker lcore's busy ratio (dpdk dataplane)",
		run: async (args, io = stdio) => ask(io, parseFlags(args), Methods.stats, {}, statsTable),
	},
	trace: {
		summary: 'trace N: the path decisions of the next N packets (dpdk dataplane)',
		run: async (args, io = stdio) => runTrace(args, io),
	},
	capture: {
		summary: 'capture --point wan-in|after-decrypt|before-encrypt|wan-out [--spi X] [--count N] [-w FILE]: a pcap (dpdk dataplane)',
		run: async (args, io = stdio) => runCapture(args, io),
	},
};
