// Starting and stopping a dataplane host (`esplane dataplane-host`) for a test, and the ports
// a host test drives: lan replays one UDP frame forever (net_pcap), wan discards (net_null),
// so an outbound SA counts packets without anything written to disk.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectHost, type HostClient } from '../../operator/dataplane/remote.js';
import type { DpSa } from '../../operator/dataplane/types.js';
import { pcap } from '../../bench/dataplane/esp-setup.js';
import { repo, udpFrame } from './harness.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface TestHost {
	socket: string;
	child: ChildProcess;
	/** resolves when the host process has exited */
	exited: Promise<number | null>;
	stop(): Promise<void>;
}

/** {scratch dir, more flags and environment} => a host serving dir/host/dp.sock, connected
 * once to be sure it answers */
export async function startHost(dir: string, o: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<TestHost> {
	const socket = join(dir, 'host', 'dp.sock');
	const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'operator/cli/main.ts'), 'dataplane-host', '--socket', socket, ...(o.args ?? [])], {
		stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ESPLANE_LOG_LEVEL: 'warn', ...o.env },
	});
	const exited = new Promise<number | null>(r => child.once('exit', code => r(code)));
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (existsSync(socket)) {
			try {
				connectHost(socket).close();
				break;
			} catch { /* not listening yet */ }
		}
		if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the dataplane host did not come up on ${socket}`);
		await sleep(50);
	}
	return {
		socket, child, exited,
		stop: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
			await exited;
			clearTimeout(t);
		},
	};
}

/** {scratch dir} => EAL arguments for a host test: lan replays a UDP frame, wan discards */
export function hostEal(dir: string, name: string): string[] {
	const lan = join(dir, 'lan.pcap');
	writeFileSync(lan, pcap([udpFrame([10, 1, 0, 1], [10, 2, 0, 1])]));
	return ['-l', '0,1', '--no-pci', '--no-huge', '-m', '256', '--no-shconf', '--no-telemetry', '--file-prefix', name,
		'--vdev', 'net_null0,no-rx=1', '--vdev', `net_pcap1,rx_pcap=${lan},infinite_rx=1`];
}


export interface DrivingClient {
	child: ChildProcessWithoutNullStreams;
	pid: number;
	/** resolves once the client has printed `text` (rejects if it exits first or after 120 s) */
	printed(text: string): Promise<void>;
	/** SIGKILLed and waited for; nothing if it is gone already */
	kill(): Promise<void>;
}

/** {scratch dir, the host's socket} => host-client.ts in a process of its own, having set the
 * host up ("ready"); the EAL file prefix is per test process */
export async function startDrivingClient(dir: string, socket: string): Promise<DrivingClient> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'test/dataplane/host-client.ts'), socket, JSON.stringify(hostEal(dir, `espdphost${process.pid}`))], {
		stdio: ['pipe', 'pipe', 'inherit'],
	}) as unknown as ChildProcessWithoutNullStreams;
	let out = '';
	child.stdout.on('data', (d: Buffer) => (out += d.toString()));
	const printed = async (text: string) => {
		const deadline = Date.now() + 120_000;
		while (!out.includes(text)) {
			if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) throw new Error(`the driving client did not print '${text}': ${out}`);
			await sleep(100);
		}
	};
	const kill = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise(r => child.once('exit', r));
		child.kill('SIGKILL');
		await exited;
	};
	try {
		await printed('ready');
	} catch (e) {
		await kill();
		throw e;
	}
	return { child, pid: child.pid!, printed, kill };
}

export const hostOutSa = (key = '11'): DpSa => ({
	spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2',
	aead: { name: 'rfc4106(gcm(aes))', key: `0x${key.repeat(20)}`, icvBits: 128 },
});

export const hostInSa = (): DpSa => ({
	spi: '0x200', dir: 'in', mode: 'tunnel', src: '192.0.2.2', dst: '192.0.2.1', replayWindow: 64, seq: 100,
	aead: { name: 'rfc4106(gcm(aes))', key: `0x${'66'.repeat(20)}`, icvBits: 128 },
});

export type { HostClient };
