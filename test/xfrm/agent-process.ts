// Starts test/xfrm/guest-agent.ts as a child process and talks to it line by line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class AgentProcess {
	readonly child: ChildProcessWithoutNullStreams;
	private readonly lines: string[] = [];
	private waiter: (() => void) | undefined;
	stderr = '';

	constructor(prefix: string[] = [], env: Record<string, string> = {}) {
		const cmd = [...prefix, process.execPath, '--import', 'tsx', 'test/xfrm/guest-agent.ts'];
		this.child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
		createInterface({ input: this.child.stdout }).on('line', l => { this.lines.push(l); this.waiter?.(); });
		this.child.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
		this.child.on('exit', () => this.waiter?.());
	}

	async next(timeoutMs = 30_000): Promise<Record<string, unknown>> {
		const end = Date.now() + timeoutMs;
		while (!this.lines.length) {
			if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > end) {
				throw new Error(`agent gave no answer (exit ${this.child.exitCode ?? this.child.signalCode}): ${this.stderr.slice(-2000)}`);
			}
			await new Promise<void>(r => { this.waiter = r; setTimeout(r, 200); });
		}
		return JSON.parse(this.lines.shift()!) as Record<string, unknown>;
	}

	async ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
		this.child.stdin.write(JSON.stringify(cmd) + '\n');
		return this.next();
	}

	kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
		return new Promise(r => {
			if (this.child.exitCode !== null || this.child.signalCode !== null) { r(); return; }
			this.child.on('exit', () => r());
			this.child.kill(signal);
		});
	}
}
