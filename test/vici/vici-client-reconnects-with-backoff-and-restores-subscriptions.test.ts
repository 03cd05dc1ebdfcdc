// charon restarts: the client sees the socket close, fails what was outstanding, retries
// with growing delays while nothing listens, and once charon is back re-registers the
// events it was subscribed to before announcing 'reconnected' — the hook on which the
// reconciler re-applies the whole desired configuration.
import test from 'ava';
import { ViciClient } from '../../operator/vici/client.js';
import { ViciConnectionError } from '../../operator/vici/errors.js';
import { FakeViciServer, sleep } from './fake-server.js';
import { createLogger } from '../../operator/log/logger.js';

const log = createLogger('test', { level: 'silent' });

test('after charon comes back the client reconnects, resubscribes, then emits reconnected', async (t) => {
	const server = new FakeViciServer({
		hang: () => new Promise(() => undefined),
		ping: () => ({ ok: 'yes' }),
	});
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 20, maxMs: 160 } });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	await c.subscribe('child-updown', 'ike-updown');

	const outstanding = c.request('hang');
	await sleep(20);
	const downAt = Date.now();
	await server.stop();
	await t.throwsAsync(outstanding, { instanceOf: ViciConnectionError });

	// Nothing listens for a while: several attempts, spaced by a growing delay.
	await sleep(500);
	t.false(c.connected);

	let subscribedWhenAnnounced: string[] = [];
	const reconnected = new Promise<void>((resolve) =>
		c.once('reconnected', () => {
			subscribedWhenAnnounced = [...server.conns].flatMap((conn) => [...conn.events]);
			resolve();
		}),
	);
	await server.listen();
	await reconnected;
	const downFor = Date.now() - downAt;
	t.deepEqual(subscribedWhenAnnounced.sort(), ['child-updown', 'ike-updown'], 'subscriptions are back before reconnected fires');
	t.true(downFor < 500 + 160 + 200, `reconnected within the maximum backoff (${downFor} ms)`);

	const got: string[] = [];
	c.on('event', (name) => got.push(name));
	server.broadcast('ike-updown', { up: 'yes' });
	t.is((await c.request('ping'))['ok'], 'yes');
	t.deepEqual(got, ['ike-updown']);
	t.is(server.connections, 2, 'one new connection, not one per attempt that found nothing');
});

test('close() stops reconnecting for good', async (t) => {
	const server = new FakeViciServer({ ping: () => ({ ok: 'yes' }) });
	await server.listen();
	t.teardown(() => server.dispose());
	const c = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 10 } });
	await c.start();
	c.close();
	await sleep(100);
	t.is(server.connections, 1);
	t.false(c.connected);
});
