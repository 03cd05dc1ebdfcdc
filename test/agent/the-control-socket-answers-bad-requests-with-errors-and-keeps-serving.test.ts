import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../operator/agent/control-socket.js';

async function exchange(path: string, lines: string[]): Promise<unknown[]> {
	return new Promise((resolve, reject) => {
		const socket = connect(path);
		let buf = '';
		socket.setEncoding('utf8');
		socket.on('error', reject);
		socket.on('connect', () => socket.write(lines.join('\n') + '\n'));
		socket.on('data', (d: string) => {
			buf += d;
			const got = buf.split('\n').filter(Boolean);
			if (got.length === lines.length) {
				socket.end();
				resolve(got.map(l => JSON.parse(l) as unknown));
			}
		});
	});
}

test('garbage, unknown methods and throwing handlers get error answers; the next request still works', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'esplane-ctl-'));
	const path = join(dir, 's');
	const server = new ControlServer()
		.handle('boom', () => { throw new Error('handler failed'); })
		.handle('big', () => ({ packets: 2n ** 64n - 1n, bytes: 5n }));
	await server.listen(path);
	try {
		const answers = await exchange(path, ['{not json', '{"id":2,"method":"nope"}', '{"id":3,"method":"boom"}', '{"id":4,"method":"big"}']);
		const byId = new Map((answers as Array<{ id: number }>).map(a => [a.id, a]));
		t.like(byId.get(0), { error: { code: 'bad_request' } });
		t.like(byId.get(2), { error: { code: 'unknown_method' } });
		t.like(byId.get(3), { error: { code: 'failed', message: 'handler failed' } });
		// 64-bit counters survive JSON: exact strings when they exceed 2^53, numbers otherwise.
		t.deepEqual(byId.get(4), { id: 4, result: { packets: '18446744073709551615', bytes: 5 } });
	} finally {
		await server.close();
		rmSync(dir, { recursive: true, force: true });
	}
});
