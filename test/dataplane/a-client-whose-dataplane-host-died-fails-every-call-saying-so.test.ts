// A dataplane host that dies takes the dataplane with it. Its client must notice at the next
// call and say so — the host closed the connection — and from then on fail every call at
// once with the same reason, instead of hanging or driving a dataplane that is not there.
import test from 'ava';
import { isDataplaneError } from '../../operator/dataplane/error.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { scratch } from './harness.js';
import { startHost } from './host-helpers.js';

test('a client whose dataplane host died fails every call saying so', async t => {
	const { dir, remove } = scratch('host-died');
	t.teardown(remove);
	const host = await startHost(dir);
	t.teardown(() => host.stop());
	const client = connectHost(host.socket);
	t.teardown(() => client.close());
	t.is(client.native.abiVersion() > 0, true, 'the host answers');
	t.is(client.gone, undefined);

	host.child.kill('SIGKILL');
	await host.exited;

	const first = t.throws(() => client.native.dropCount());
	t.true(isDataplaneError(first));
	t.regex(first?.message ?? '', /closed the connection \(the host process died\?\)/);
	t.regex(client.gone ?? '', /closed the connection/);
	const next = t.throws(() => client.hello());
	t.regex(next?.message ?? '', /is gone: closed the connection/);
	t.throws(() => connectHost(host.socket), { message: /no dataplane host answers/ }, 'nobody serves the socket any more');
});
