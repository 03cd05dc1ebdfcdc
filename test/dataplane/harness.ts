// Shared by the dataplane tests: run the esplane-dp runner over pcap files and Scapy helpers
// (Debian's /usr/bin/python3, which has python3-scapy), read the stats JSON it writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const runnerPath = join(repo, 'dataplane/build/esplane-dp');
export const python = '/usr/bin/python3';
export const helpers = join(repo, 'test/dataplane');

export interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** {command, args} => its exit code and output; never rejects on a non-zero exit */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd: opts.cwd ?? repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

/** EAL arguments every test uses: never the machine's NICs, no hugepages, no shared files */
export function ealArgs(vdevs: string[]): string[] {
	return ['-l', '0,1', '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry',
		'--file-prefix', `espdp${process.pid}`, ...vdevs.flatMap(v => ['--vdev', v])];
}

/** The wan (port 0) and lan (port 1) pcap ports of the tests, reading *_in.pcap, writing *_out.pcap */
export function pcapPorts(dir: string, suffix = ''): string[] {
	return [
		`net_pcap0,rx_pcap=${join(dir, 'wan_in.pcap')},tx_pcap=${join(dir, `wan_out${suffix}.pcap`)}`,
		`net_pcap1,rx_pcap=${join(dir, 'lan_in.pcap')},tx_pcap=${join(dir, `lan_out${suffix}.pcap`)}`,
	];
}

export interface SaStats {
	spi: string;
	dir: 'in' | 'out';
	dst: string;
	packets: number;
	bytes: number;
	seq: string;
	stopped: boolean;
	drops: Record<string, number>;
}

export interface Stats {
	ports: { name: string; port: number; rx_packets: number; tx_packets: number; rx_bytes: number; tx_bytes: number; exc_to_kernel?: number; exc_from_kernel?: number }[];
	sas: SaStats[];
	drops: Record<string, number>;
	/** per worker lcore: packets it received, sent, and put through an SA's ESP stage */
	workers?: { lcore: number; rx_packets: number; tx_packets: number; esp_packets: number }[];
}

/** {dir with config.json and pcaps} => the runner's exit, output and final counters; with a
 * suffix the outputs are wan_out<suffix>.pcap etc., env reaches the runner (ESPLANE_DP_CRYPTO) */
export async function runDataplane(dir: string, opts: { idleMs?: number; suffix?: string; env?: Record<string, string>; wrap?: string[] } = {}): Promise<Run & { stats?: Stats }> {
	const suffix = opts.suffix ?? '';
	const statsPath = join(dir, `stats${suffix}.json`);
	// wrap: a command the runner runs under, e.g. ['ip', 'netns', 'exec', NS] for its exception TAPs
	const [cmd, ...pre] = [...(opts.wrap ?? []), runnerPath];
	const r = await run(cmd!, [...pre, '--config', join(dir, 'config.json'), '--until-idle', String(opts.idleMs ?? 400),
		'--stats-json', statsPath, '--log', join(dir, `dp${suffix}.log`), '--', ...ealArgs(pcapPorts(dir, suffix))],
	{ env: opts.env ?? {} });
	try {
		return { ...r, stats: JSON.parse(readFileSync(statsPath, 'utf8')) as Stats };
	} catch {
		return r;
	}
}

/** {name} => a fresh temporary directory and its remover */
export function scratch(name: string): { dir: string; remove: () => void } {
	const dir = mkdtempSync(join(tmpdir(), `espdp-${name}-`));
	return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** only the non-zero entries, so assertions show what was counted */
export function nonZero(counts: Record<string, number>): Record<string, number> {
	return Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0));
}

export { pcapFrames } from '../../bench/dataplane/esp-setup.js';

/** {Ethernet frame} => true when it carries ESP (IP protocol 50 or UDP to 4500) */
export function isEsp(frame: Buffer): boolean {
	const type = frame.readUInt16BE(12);
	const proto = type === 0x0800 ? frame[23] : type === 0x86dd ? frame[20] : -1;
	if (proto === 50) return true;
	const l4 = type === 0x0800 ? 14 + ((frame[14] ?? 0) & 15) * 4 : 54;
	return proto === 17 && frame.readUInt16BE(l4 + 2) === 4500;
}

/** {Scapy helper script, scratch name, extra `gen` arguments} => the runner over what
 * `script gen DIR` wrote, and the JSON verdict `script check DIR` printed; throws when a step
 * cannot run at all (the verdict carries the errors) */
export async function scapyRound<V>(script: string, name: string, genArgs: string[] = []): Promise<{ stats: Stats; verdict: V; remove: () => void }> {
	const { dir, remove } = scratch(name);
	const gen = await run(python, [join(helpers, script), 'gen', dir, ...genArgs]);
	if (gen.code !== 0) throw new Error(`${script} gen: ${gen.stderr}`);
	const dp = await runDataplane(dir);
	if (dp.code !== 0 || !dp.stats) throw new Error(`esplane-dp: ${dp.stderr}`);
	const check = await run(python, [join(helpers, script), 'check', dir]);
	return { stats: dp.stats, verdict: JSON.parse(check.stdout) as V, remove };
}

/** {inner source, destination} => an Ethernet frame with a small UDP datagram between them */
export function udpFrame(src: number[], dst: number[]): Buffer {
	const ip = Buffer.from([0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, ...src, ...dst]);
	let sum = 0;
	for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
	while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
	ip.writeUInt16BE(~sum & 0xffff, 10);
	const udp = Buffer.from([0x04, 0xd2, 0x16, 0x2e, 0, 12, 0, 0, 1, 2, 3, 4]);
	return Buffer.concat([Buffer.from('020000000101020000000102' + '0800', 'hex'), ip, udp]);
}
