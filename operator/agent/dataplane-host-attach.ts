// The agent's way to its dataplane host: connect to the socket; when nothing answers and the
// agent may start one, spawn `esplane dataplane-host --spawned` detached (own session, stdio
// to a log file next to the socket) so that a SIGKILL of the agent leaves it forwarding.
// Under Kubernetes the host is a container of its own and the agent only waits for it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/index.js';
import { connectHost, type HostClient } from '../dataplane/remote.js';

export type HostMode = 'spawn' | 'external';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** {socket} => the log file of a host the agent spawns */
export const hostLogPath = (socket: string) => join(dirname(socket), 'dataplane-host.log');

function tryConnect(socket: string): HostClient | undefined {
	try {
		return connectHost(socket);
	} catch {
		return undefined;
	}
}

/** {socket path, mode} => a client of the host serving it; spawns one in 'spawn' mode */
export async function connectOrSpawnHost(socket: string, mode: HostMode, log: Logger, timeoutMs = 120_000): Promise<HostClient> {
	const first = tryConnect(socket);
	if (first) return first;
	const deadline = Date.now() + timeoutMs;
	let exited: string | undefined;
	if (mode === 'spawn') {
		mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
		const here = fileURLToPath(import.meta.url);
		const main = join(dirname(here), `../cli/main${extname(here)}`);
		const logFile = hostLogPath(socket);
		const fd = openSync(logFile, 'a', 0o600);
		const child = spawn(process.execPath, [...process.execArgv, main, 'dataplane-host', '--socket', socket, '--spawned'], {
			detached: true, stdio: ['ignore', fd, fd], env: process.env,
		});
		closeSync(fd);
		child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
		child.unref();
		log.info({ socket, pid: child.pid, log: logFile }, 'dataplane host spawned');
	} else {
		log.info({ socket }, 'waiting for the dataplane host');
	}
	for (;;) {
		const c = tryConnect(socket);
		if (c) return c;
		if (exited || Date.now() > deadline) {
			const tail = mode === 'spawn' && existsSync(hostLogPath(socket)) ? readFileSync(hostLogPath(socket), 'utf8').split('\n').slice(-10).join('\n') : '';
			throw new Error(`no dataplane host on ${socket}${exited ? `: it ${exited}` : ` within ${timeoutMs / 1000} s`}${tail ? `\n${tail}` : ''}`);
		}
		await sleep(50);
	}
}

/** {pid} => resolves when that process is gone (or after timeoutMs) */
export async function processGone(pid: number, timeoutMs = 15_000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			process.kill(pid, 0);
			// a zombie has let go of everything; whoever adopted it reaps it
			if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true;
		} catch {
			return true;
		}
		if (Date.now() > deadline) return false;
		await sleep(50);
	}
}
