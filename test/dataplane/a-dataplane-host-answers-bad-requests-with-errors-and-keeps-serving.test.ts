// The dataplane host's socket takes frames (u32 length, JSON header, Buffers). Malformed
// requests — an unknown function, wrong arguments, a Buffer too short for the C call, a
// header that is not JSON — get an error reply on the same connection; a frame longer than
// the limit gets an error and the connection is closed; a truncated frame dies with its
// connection. The host answers the next client every time.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import test from 'ava';
import { encodeFrame, FrameReader, decodePayload, type ReplyHeader } from '../../operator/dataplane/rpc.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { scratch } from './harness.js';
import { startHost } from './host-helpers.js';

async function open(path: string): Promise<{ sock: Socket; reply: () => Promise<ReplyHeader>; closed: Promise<unknown> }> {
	const sock = connect(path);
	await once(sock, 'connect');
	const reader = new FrameReader();
	const waiting: Array<(h: ReplyHeader) => void> = [];
	sock.on('data', d => {
		reader.push(d);
		for (let p = reader.next(); p; p = reader.next()) waiting.shift()?.(decodePayload<ReplyHeader>(p).header);
	});
	const closed = once(sock, 'close');
	return { sock, closed, reply: () => new Promise(r => waiting.push(r)) };
}

function raw(json: string): Buffer {
	const body = Buffer.from(json);
	const f = Buffer.alloc(8 + body.length);
	f.writeUInt32LE(4 + body.length, 0);
	f.writeUInt32LE(body.length, 4);
	body.copy(f, 8);
	return f;
}

test('a dataplane host answers bad requests with errors and keeps serving', async t => {
	const { dir, remove } = scratch('host-bad');
	t.teardown(remove);
	const host = await startHost(dir);
	t.teardown(() => host.stop());

	const c = await open(host.socket);
	const ask = async (frame: Buffer) => { const r = c.reply(); c.sock.write(frame); return r; };
	t.like(await ask(encodeFrame({ fn: 'esp_dp_format_disk', args: [] })), { rc: -38, err: 'esp_dp_format_disk: no such function in the dataplane ABI' });
	t.like(await ask(encodeFrame({ fn: 'host.reboot', args: [] })), { rc: -38 });
	t.like(await ask(encodeFrame({ fn: 'saDel', args: [{ i: 1 }] })), { rc: -22, err: 'saDel: takes 3 arguments, got 1' });
	t.like(await ask(encodeFrame({ fn: 'portSetMtu', args: [{ s: 'x' }, { i: 1500 }] })), { rc: -22, err: 'portSetMtu: argument 0 must be int' });
	// a Buffer shorter than the struct the C side reads: refused before the call
	t.like(await ask(encodeFrame({ fn: 'saPut', args: [{ in: 4 }] }, [Buffer.alloc(4)])), { rc: -22, err: 'saPut: argument 0 has 4 bytes, the call needs 456' });
	// an output array larger than its Buffer: refused too
	t.like(await ask(encodeFrame({ fn: 'portStats', args: [{ out: 56 }, { i: 1000 }] })), { rc: -22 });
	// a Buffer announced but not sent
	t.like(await ask(encodeFrame({ fn: 'saPut', args: [{ in: 456 }] })), { rc: -22 });
	t.like(await ask(raw('{not json')), { rc: -22 });
	t.like(await ask(raw('[]')), { rc: -22 });
	// a call the library itself refuses: its own message comes back
	t.like(await ask(encodeFrame({ fn: 'start', args: [] })), { rc: -19, err: 'dataplane not initialised' });
	t.like(await ask(encodeFrame({ fn: 'host.hello', args: [] })), { rc: 0 }, 'the same connection still serves');

	// a frame longer than the limit: an error, then the connection is closed
	const big = Buffer.alloc(4);
	big.writeUInt32LE(0xffffffff, 0);
	t.like(await ask(big), { rc: -22 });
	await c.closed;

	// a frame cut short by its client: dropped with the connection
	const cut = await open(host.socket);
	cut.sock.end(encodeFrame({ fn: 'host.hello', args: [] }).subarray(0, 10));
	await cut.closed;

	const client = connectHost(host.socket);
	t.like(client.hello(), { initialised: false, running: false, pid: host.child.pid });
	client.close();
	t.is(host.child.exitCode, null, 'the host is still running');
});
