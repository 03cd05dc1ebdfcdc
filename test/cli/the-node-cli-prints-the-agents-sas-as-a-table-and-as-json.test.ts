import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../operator/agent/control-socket.js';
import { Methods, type SaRow } from '../../operator/agent/control-api.js';
import { nodeCommands, type CliIo } from '../../operator/cli/node-commands.js';

const sas: SaRow[] = [
	{ spi: '0xc0ffee01', dir: 'out', src: '192.0.2.1', dst: '192.0.2.2', algorithm: 'rfc4106(gcm(aes)) 128', encap: null, esn: false, packets: 1200, bytes: 1_800_000, seq: 1200, lastUsed: 1_700_000_000, tunnel: 'default/site-b' },
	{ spi: '0xc0ffee02', dir: 'in', src: '192.0.2.2', dst: '192.0.2.1', algorithm: 'rfc4106(gcm(aes)) 128', encap: 'espinudp 4500:4500', esn: true, packets: 1100, bytes: 1_650_000, seq: 1100, lastUsed: 1_700_000_001, unprogrammable: 'unsupported algorithm cbc(des3_ede)' },
];

function capture(): CliIo & { stdout: string; stderr: string } {
	const io = { stdout: '', stderr: '', out: (s: string) => { io.stdout += s; }, err: (s: string) => { io.stderr += s; } };
	return io;
}

test('`esplane sa list` prints one row per SA, says which are not programmed, and -o json gives the raw rows', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'esplane-cli-'));
	const socket = join(dir, 'agent.sock');
	const server = new ControlServer().handle(Methods.saList, () => sas);
	await server.listen(socket);
	try {
		const table = capture();
		t.is(await nodeCommands['sa']!.run(['list', '--socket', socket], table), 0);
		const lines = table.stdout.trimEnd().split('\n');
		t.is(lines.length, 3);
		t.regex(lines[0]!, /^SPI\s+DIR\s+SRC\s+DST\s+ALGORITHM/);
		t.regex(lines[1]!, /^0xc0ffee01\s+out\s+192\.0\.2\.1\s+192\.0\.2\.2\s+rfc4106\(gcm\(aes\)\) 128\s+-\s+1200\s+1800000\s+1200\s+default\/site-b$/);
		t.regex(lines[2]!, /NOT PROGRAMMED: unsupported algorithm cbc\(des3_ede\)$/);

		const json = capture();
		t.is(await nodeCommands['sa']!.run(['list', '-o', 'json', '--socket', socket], json), 0);
		t.deepEqual(JSON.parse(json.stdout), sas);
	} finally {
		await server.close();
		rmSync(dir, { recursive: true, force: true });
	}
});
