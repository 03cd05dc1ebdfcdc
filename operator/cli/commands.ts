// The subcommand table of the esplane binary. Each role lives in its own module and is
// imported lazily so `esplane version` does not load Kubernetes, koffi or DPDK.
import { VERSION } from '../version.js';
import { nodeCommands } from './node-commands.js';
import { operatorCommand } from '../controller/command.js';

type Command = { summary: string; run: (args: string[]) => Promise<number> };

const commands: Record<string, Command> = {
	agent: {
		summary: 'the node agent: strongSwan over VICI, XFRM mirror, dataplane (--config-dir DIR without Kubernetes)',
		run: async args => (await import('../agent/command.js')).runAgent(args),
	},
	'dataplane-host': {
		summary: 'the DPDK dataplane in a process of its own, serving its C ABI on --socket PATH (the agent attaches)',
		run: async args => {
			const [{ runDataplaneHost }, { createLogger }] = await Promise.all([import('../dataplane/host.js'), import('../log/index.js')]);
			return runDataplaneHost(args, createLogger('dataplane-host'));
		},
	},
	demo: {
		summary: 'two sites and a real tunnel on this machine (a UML guest when the kernel lacks ESP)',
		run: async args => (await import('../demo/command.js')).runDemo(args),
	},
	version: {
		summary: 'print the versions of esplane and its dataplane ABI',
		run: async () => {
			const { abiVersion } = await import('../dataplane/abi.js');
			process.stdout.write(`esplane ${VERSION} (dataplane abi ${abiVersion()})\n`);
			return 0;
		},
	},
};

for (const [name, command] of Object.entries(nodeCommands)) commands[name] = { summary: command.summary, run: args => command.run(args) };

export function register(name: string, command: Command): void {
	commands[name] = command;
}

register('operator', operatorCommand);

function usage(): string {
	const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
	return `usage: esplane <command> [args]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (!name || name === 'help' || name === '--help' || name === '-h') {
		process.stdout.write(usage());
		return name ? 0 : 2;
	}
	const command = commands[name];
	if (!command) {
		process.stderr.write(`esplane: unknown command '${name}'\n${usage()}`);
		return 2;
	}
	return command.run(rest);
}
