import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCommands, type CliIo } from '../../operator/cli/node-commands.js';

test('with no agent on the socket, every node command exits 3 and says where it looked and what to check', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'esplane-cli-'));
	try {
		for (const [name, args] of [['sa', ['list']], ['sp', ['list']], ['stats', []], ['tunnels', []]] as const) {
			let err = '';
			const io: CliIo = { out: () => t.fail('nothing on stdout'), err: s => { err += s; } };
			t.is(await nodeCommands[name]!.run([...args, '--socket', join(dir, 'agent.sock')], io), 3, name);
			t.regex(err, /cannot reach the esplane agent at .*agent\.sock \(ENOENT\): is the agent running on this node\?/);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a wrong subcommand or output flag is a usage error, not a crash', async t => {
	const io: CliIo = { out: () => {}, err: () => {} };
	t.is(await nodeCommands['sa']!.run(['frobnicate'], io), 2);
	t.is(await nodeCommands['sp']!.run(['delete'], io), 2);
	await t.throwsAsync(nodeCommands['sa']!.run(['list', '-o', 'xml'], io), { message: /-o takes json or table/ });
});
