// The driver's seat of a dataplane host (driver-seat.ts) does not wait for the host to read
// the EOF of its driver's connection: a successor may connect right after its predecessor
// died, and its claim must not depend on which of the two the host's event loop handles
// first. Here the driver hangs up and the next client claims in the same turn of the event
// loop, before the server side of the old connection has seen anything.
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { DriverSeat } from '../../operator/dataplane/driver-seat.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { createLogger } from '../../operator/log/index.js';
import { scratch } from './harness.js';

test('a dataplane host\'s driver seat is free the moment the driver hangs up, before the host has read it', async t => {
	const { dir, remove } = scratch('seat');
	t.teardown(remove);
	const path = join(dir, 'seat.sock');
	const accepted: Socket[] = [];
	const server = createServer(s => accepted.push(s));
	await new Promise<void>(r => server.listen(path, () => r()));
	t.teardown(() => { for (const s of accepted) s.destroy(); server.close(); });
	const first = connectHost(path);
	const next = connectHost(path);
	t.teardown(() => next.close());
	while (accepted.length < 2) await new Promise(r => setTimeout(r, 10));

	const seat = new DriverSeat(path, createLogger('seat', { level: 'silent' }));
	t.is(seat.claim(accepted[0]!), undefined, 'the first connection takes the seat');
	t.is(seat.claim(accepted[1]!), `the dataplane at ${path} is driven by pid ${process.pid}; stop that agent first (two agents would each delete the SAs and policies the other installs)`);
	first.close();
	t.false(accepted[0]!.destroyed, 'the server has not handled the hang-up yet');
	t.is(seat.claim(accepted[1]!), undefined, 'the next one takes the seat at once');
	t.is(seat.claim(accepted[0]!)?.includes('is driven by pid'), true, 'and holds it');
});
