// Network namespaces for the rtnetlink tests: named esprt<pid><tag>, driven with `ip -n`,
// deleted by the test's finally. Nothing here touches the root namespace's interfaces.
import { execFileSync } from 'node:child_process';

export class Netns {
	readonly name: string;

	constructor(tag: string) {
		this.name = `esprt${process.pid}${tag}`;
		execFileSync('ip', ['netns', 'add', this.name]);
		this.ip('link set lo up');
	}

	/** `ip -n NAME <args>`; args split on spaces */
	ip(args: string): string {
		return execFileSync('ip', ['-n', this.name, ...args.split(' ')], { encoding: 'utf8' });
	}

	/** several `ip` commands in one process (`ip -b`) */
	batch(lines: readonly string[]): void {
		execFileSync('ip', ['-n', this.name, '-b', '-'], { input: lines.join('\n') + '\n' });
	}

	/** `ip -j -n NAME <args>` parsed */
	json<T = Record<string, unknown>[]>(args: string): T {
		const out = this.ip(`-j ${args}`).trim();
		return (out === '' ? [] : JSON.parse(out)) as T;
	}

	/** a command run inside the namespace */
	exec(cmd: string, args: readonly string[]): string {
		return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8' });
	}

	delete(): void {
		try {
			execFileSync('ip', ['netns', 'del', this.name]);
		} catch {
			// already gone
		}
	}
}
