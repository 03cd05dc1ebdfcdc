// `esplane capture` and `esplane trace N`: the dpdk dataplane's capture rings, drained
// through the agent's control socket. capture writes a pcap (a file, or stdout for
// `| tcpdump -r -`); trace prints one row per packet, or JSON.
import { closeSync, openSync, writeSync } from 'node:fs';
import { Methods, type CaptureReadResult, type CaptureStatusRow, type TraceResult, type TraceRow } from '../agent/control-api.js';
import { callAgent, callFailed, defaultSocketPath } from './control-client.js';
import type { CliIo } from './node-commands.js';
import { captureToPcap, pcapGlobalHeader } from './pcap.js';
import { renderTable } from './table.js';

const captureUsage = 'usage: esplane capture --point wan-in|after-decrypt|before-encrypt|wan-out|lan-in|lan-out\n' +
	'                       [--spi SPI] [--port L4PORT] [--count N] [--snaplen BYTES] [--duration SECONDS]\n' +
	'                       [-w FILE.pcap | -w - (stdout, the default)] [--socket PATH]\n';
const traceUsage = 'usage: esplane trace N [--wait SECONDS] [-o json] [--socket PATH]\n';

/** {args, the options that take a value} => values by option, the rest positional; throws on an unknown option */
function parseArgs(args: string[], valued: string[], bare: string[] = []): { opts: Map<string, string>; positional: string[] } {
	const opts = new Map<string, string>();
	const positional: string[] = [];
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		const eq = a.indexOf('=');
		const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
		if (valued.includes(name)) {
			const v = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : args[++i];
			if (v === undefined) throw new Error(`${name} needs a value`);
			opts.set(name, v);
		} else if (bare.includes(a)) opts.set(a, '');
		else if (a.startsWith('-') && a !== '-') throw new Error(`unknown option ${a}`);
		else positional.push(a);
	}
	return { opts, positional };
}

function count(v: string | undefined, name: string): number | undefined {
	if (v === undefined) return undefined;
	if (!/^[0-9]+$/.test(v)) throw new Error(`${name}: a whole number, not '${v}'`);
	return Number(v);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export async function runCapture(args: string[], io: CliIo): Promise<number> {
	let params: Record<string, unknown>;
	let socket: string;
	let file: string;
	let limit: number | undefined;
	let durationMs: number | undefined;
	try {
		const { opts, positional } = parseArgs(args, ['--point', '--spi', '--port', '--count', '-c', '--snaplen', '-s', '--duration', '-w', '--socket']);
		if (positional.length || !opts.has('--point')) throw new Error(opts.has('--point') ? `unexpected ${positional[0]}` : '--point is required');
		limit = count(opts.get('--count') ?? opts.get('-c'), '--count');
		const seconds = opts.get('--duration');
		if (seconds !== undefined && !(Number(seconds) > 0)) throw new Error(`--duration: seconds > 0, not '${seconds}'`);
		durationMs = seconds !== undefined ? Number(seconds) * 1000 : undefined;
		params = {
			point: opts.get('--point'), spi: opts.get('--spi'), port: count(opts.get('--port'), '--port'),
			count: limit, snaplen: count(opts.get('--snaplen') ?? opts.get('-s'), '--snaplen'),
		};
		socket = opts.get('--socket') ?? defaultSocketPath;
		file = opts.get('-w') ?? '-';
		// as tcpdump -w: a pcap is binary, a terminal is not the place for it
		if (file === '-' && !io.outBytes && process.stdout.isTTY) throw new Error('refusing to write a pcap to a terminal: -w FILE.pcap, or pipe it (| tcpdump -nn -r -)');
	} catch (e) {
		io.err(`esplane capture: ${(e as Error).message}\n${captureUsage}`);
		return 2;
	}
	let started: CaptureStatusRow;
	try {
		started = await callAgent(Methods.captureStart, params, socket) as CaptureStatusRow;
	} catch (e) {
		return callFailed(io.err, e);
	}
	const fd = file === '-' ? undefined : openSync(file, 'w');
	const write = (b: Buffer) => (fd !== undefined ? writeSync(fd, b) : (io.outBytes ?? (x => process.stdout.write(x)))(b));
	let interrupted = false;
	const onSignal = () => { interrupted = true; };
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	let got = 0;
	let status = started;
	try {
		write(pcapGlobalHeader());
		io.err(`esplane: capturing at ${started.point}${limit ? `, ${limit} packets` : ''}${durationMs ? `, for ${durationMs / 1000} s` : ''}; Ctrl-C stops\n`);
		const deadline = durationMs ? Date.now() + durationMs : Infinity;
		const drain = async () => {
			const r = await callAgent(Methods.captureRead, { max: 1024 }, socket) as CaptureReadResult;
			for (const rec of r.records) {
				if (limit && got >= limit) break;
				write(captureToPcap(rec));
				got++;
			}
			status = r.status;
			return r.records.length;
		};
		for (;;) {
			const n = await drain();
			if (interrupted || (limit && got >= limit) || Date.now() >= deadline) break;
			if (!status.armed && n === 0) break; // disarmed by its count, and the rings are empty
			if (n === 0) await sleep(50);
		}
		status = await callAgent(Methods.captureStop, {}, socket) as CaptureStatusRow;
		while (!(limit && got >= limit) && (await drain()) > 0);
	} catch (e) {
		return callFailed(io.err, e);
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		if (fd !== undefined) closeSync(fd);
	}
	io.err(`esplane: ${got} packets captured at ${status.point}; ${status.dropped} not recorded (ring full)\n`);
	return 0;
}

function result(t: TraceRow): string {
	if (t.result === 'forwarded') return `-> ${t.out ?? '?'}`;
	if (t.result === 'dropped') return `dropped: ${t.drop ?? '?'}`;
	if (t.result === 'to-kernel') return `-> kernel (${t.in} exception TAP)`;
	return 'held (left the fast path)';
}

const protoName = (p: number | null) => (p === null ? null : ({ 1: 'icmp', 6: 'tcp', 17: 'udp', 50: 'esp', 58: 'icmp6' } as Record<number, string>)[p] ?? String(p));

function endpoint(addr: string | null, port: number | null): string | null {
	if (addr === null) return null;
	if (port === null) return addr;
	return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function traceTable(r: TraceResult): string {
	const rows = r.traces.map((t, i) => [i + 1, t.in, t.class, endpoint(t.src, t.sport), endpoint(t.dst, t.dport), protoName(t.proto), t.len, t.spi, t.policy, result(t)]);
	const table = renderTable(['#', 'in', 'class', 'src', 'dst', 'proto', 'len', 'spi', 'policy', 'result'], rows);
	const notes = [r.missing ? `${r.missing} packets did not arrive before the wait ended` : '', Number(r.dropped) ? `${r.dropped} decisions lost (ring full)` : ''].filter(Boolean);
	return table + notes.map(n => `${n}\n`).join('');
}

export async function runTrace(args: string[], io: CliIo): Promise<number> {
	let n: number;
	let waitMs: number;
	let socket: string;
	let json: boolean;
	try {
		const { opts, positional } = parseArgs(args, ['--wait', '--socket', '-o', '--output']);
		if (positional.length !== 1) throw new Error('how many packets?');
		n = count(positional[0], 'N') ?? 0;
		if (n < 1 || n > 100_000) throw new Error(`N: 1..100000, not ${positional[0]}`);
		const wait = opts.get('--wait') ?? '5';
		if (!(Number(wait) > 0)) throw new Error(`--wait: seconds > 0, not '${wait}'`);
		waitMs = Number(wait) * 1000;
		const out = opts.get('-o') ?? opts.get('--output') ?? 'table';
		if (out !== 'json' && out !== 'table') throw new Error(`-o takes json or table, not '${out}'`);
		json = out === 'json';
		socket = opts.get('--socket') ?? defaultSocketPath;
	} catch (e) {
		io.err(`esplane trace: ${(e as Error).message}\n${traceUsage}`);
		return 2;
	}
	try {
		const r = await callAgent(Methods.trace, { n, waitMs }, socket, waitMs + 5000) as TraceResult;
		io.out(json ? JSON.stringify(r, null, 2) + '\n' : traceTable(r));
		return 0;
	} catch (e) {
		return callFailed(io.err, e);
	}
}
