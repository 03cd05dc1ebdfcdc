// An agent running the kernel's ESP has no capture points: `esplane capture` and `esplane
// trace` say so and exit 1 (3 stays "no agent"), and bad arguments are usage errors (2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { registerCaptureMethods } from '../../operator/agent/capture-methods.js';
import { ControlServer } from '../../operator/agent/control-socket.js';
import { nodeCommands, type CliIo } from '../../operator/cli/node-commands.js';

function io(): CliIo & { stdout: string; stderr: string } {
	const o = { stdout: '', stderr: '', out: (s: string) => { o.stdout += s; }, err: (s: string) => { o.stderr += s; }, outBytes: () => {} };
	return o;
}

test('capture and trace against a kernel-mode agent exit 1 naming the dpdk dataplane', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'esplane-cli-'));
	const socket = join(dir, 'agent.sock');
	const server = registerCaptureMethods(new ControlServer(), undefined);
	await server.listen(socket);
	t.teardown(async () => {
		await server.close();
		rmSync(dir, { recursive: true, force: true });
	});

	const cap = io();
	t.is(await nodeCommands['capture']!.run(['--point', 'wan-in', '-w', join(dir, 'x.pcap'), '--socket', socket], cap), 1);
	t.regex(cap.stderr, /^esplane: capture needs the dpdk dataplane: this agent runs with --dataplane kernel/);
	const tr = io();
	t.is(await nodeCommands['trace']!.run(['5', '--socket', socket], tr), 1);
	t.regex(tr.stderr, /^esplane: trace needs the dpdk dataplane/);
	t.is(tr.stdout, '');

	const bad = io();
	t.is(await nodeCommands['capture']!.run(['--spi', '0x200', '--socket', socket], bad), 2);
	t.regex(bad.stderr, /--point is required\nusage: esplane capture --point wan-in\|after-decrypt/);
	const badN = io();
	t.is(await nodeCommands['trace']!.run(['zero', '--socket', socket], badN), 2);
	t.regex(badN.stderr, /N: a whole number/);

	const none = io();
	t.is(await nodeCommands['trace']!.run(['5', '--socket', join(dir, 'nobody.sock')], none), 3, 'no agent stays exit 3');
});
