// The VICI protocol pairs a response with its request only by order, so the client keeps
// one exchange outstanding per connection and queues the rest. Events charon sends while a
// command is outstanding are delivered as events and never taken for the response.
import test from 'ava';
import { ViciClient } from '../../operator/vici/client.js';
import * as vici from '../../operator/vici/commands.js';
import { ViciCommandError, ViciConnectionError, ViciEncodeError, ViciTimeoutError, ViciUnknownError } from '../../operator/vici/errors.js';
import { PacketType } from '../../operator/vici/codec.js';
import { FakeViciServer, sleep } from './fake-server.js';
import { createLogger } from '../../operator/log/logger.js';

const log = createLogger('test', { level: 'silent' });

test('commands queue behind each other and events interleave without confusing responses', async (t) => {
	const server = new FakeViciServer({
		// A slow command that, while outstanding, pushes an event to the subscriber.
		slow: async (msg, conn) => {
			conn.event('child-updown', { up: 'yes', seq: String(msg['n']) });
			await sleep(30);
			return { n: String(msg['n']) };
		},
		version: () => ({ daemon: 'charon', version: '5.9.8', sysname: 'Linux', release: 'x', machine: 'y' }),
		'load-conn': (msg) => (Object.keys(msg)[0] === 'bad' ? { success: 'no', errmsg: 'invalid proposal' } : { success: 'yes' }),
	});
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	await c.subscribe('child-updown');
	const events: string[] = [];
	c.on('event', (name, msg) => events.push(`${name}:${String(msg['seq'])}`));

	const results = await Promise.all([1, 2, 3, 4, 5].map((n) => c.request('slow', { n })));
	t.deepEqual(results.map((r) => r['n']), ['1', '2', '3', '4', '5'], 'responses in request order');
	t.deepEqual(events, ['child-updown:1', 'child-updown:2', 'child-updown:3', 'child-updown:4', 'child-updown:5']);
	t.is(server.maxInFlight, 1, 'never more than one exchange outstanding');

	t.is((await vici.version(c)).version, '5.9.8');
	const err = await t.throwsAsync(vici.loadConn(c, 'bad', { version: 2 }), { instanceOf: ViciCommandError });
	t.is(err?.errmsg, 'invalid proposal');
	t.is(err?.command, 'load-conn');
	await t.notThrowsAsync(vici.loadConn(c, 'good', { version: 2 }));
	await t.throwsAsync(c.request('no-such-command'), { instanceOf: ViciUnknownError });
	await t.throwsAsync(c.subscribe('unknown-event'), { instanceOf: ViciUnknownError });
	t.is((await vici.version(c)).daemon, 'charon', 'the connection is still usable after refusals');
});

test('an exchange that gets no answer times out, and the client starts over on a new connection', async (t) => {
	const server = new FakeViciServer({
		hang: () => new Promise(() => undefined),
		version: () => ({ version: '5.9.8' }),
	});
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 10 } });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	const queued = c.request('version');
	const hung = c.request('hang', {}, { timeoutMs: 100 });
	const behind = c.request('version');
	await t.throwsAsync(hung, { instanceOf: ViciTimeoutError });
	t.is((await queued)['version'], '5.9.8');
	await t.throwsAsync(behind, { instanceOf: ViciConnectionError }, 'what queued behind a dead exchange fails, to be retried by its owner');
	await c.waitConnected();
	t.is((await c.request('version'))['version'], '5.9.8');
	t.is(server.connections, 2);
});

test('a request while disconnected fails at once with ViciConnectionError', async (t) => {
	const c = new ViciClient({ path: '/nonexistent/espvc/charon.vici', logger: log, backoff: { initialMs: 1000 } });
	void c.start();
	t.teardown(() => c.close());
	await t.throwsAsync(c.request('version'), { instanceOf: ViciConnectionError });
	t.false(c.connected);
});

test('garbage from the server is a protocol error that reconnects, not a crash', async (t) => {
	const server = new FakeViciServer({ version: () => ({ version: '5.9.8' }) });
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 10 } });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	const disconnected = new Promise<Error>((resolve) => c.once('disconnected', resolve));
	for (const conn of server.conns) conn.socket.write(Buffer.from([0, 0, 0, 2, PacketType.CMD_RESPONSE, 9]));
	t.true((await disconnected) instanceof ViciConnectionError);
	await c.waitConnected();
	t.is((await c.request('version'))['version'], '5.9.8');
});

test('an event listener that throws is logged, and the connection carries on', async (t) => {
	const server = new FakeViciServer({ version: () => ({ version: '5.9.8' }) });
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	await c.subscribe('ike-updown');
	let disconnected = false;
	c.on('disconnected', () => (disconnected = true));
	c.on('event', () => {
		throw new Error('listener bug');
	});
	server.broadcast('ike-updown', { up: 'yes' });
	t.is((await c.request('version'))['version'], '5.9.8');
	t.false(disconnected);
	t.is(server.connections, 1);
});

test('a message that cannot be encoded fails its caller at once and leaves the connection alone', async (t) => {
	const server = new FakeViciServer({ version: () => ({ version: '5.9.8' }), 'list-sas': () => ({}) });
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	const huge = 'x'.repeat(70_000);
	await t.throwsAsync(c.request('load-conn', { conn: { local: { certs: [huge] } } }), { instanceOf: ViciEncodeError });
	await t.throwsAsync(c.stream('list-sas', 'list-sa', { ike: huge }), { instanceOf: ViciEncodeError });
	t.is((await c.request('version'))['version'], '5.9.8');
	t.is(server.connections, 1);
	t.false(server.received.some((p) => p.name === 'load-conn' || p.name === 'list-sa'), 'nothing of the refused exchanges reached the wire');
});
