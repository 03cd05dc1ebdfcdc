// A tunnel whose PSK Secret does not exist yet: Accepted=False/SecretNotFound naming the
// reference, retried with growing delays (not a hot loop), and served once the Secret appears.
import test from 'ava';
import { tunnel } from './fixtures.js';
import { cond, startWorld } from './world.js';

test('a missing Secret is reported, retried with backoff, and the tunnel comes up when it appears', async (t) => {
	const w = await startWorld({ nodes: [{ name: 'gw-1' }] });
	t.teardown(() => w.stop());
	await w.createTunnel(tunnel('t1'));
	const waiting = await w.waitForTunnel('t1', 'Accepted=False', (x) => cond(x, 'Accepted')?.status === 'False');
	t.is(cond(waiting, 'Accepted')?.reason, 'SecretNotFound');
	t.regex(cond(waiting, 'Accepted')?.message ?? '', /spec\.auth\.psk\.secretRef: Secret \S+\/site-b-psk not found; retrying/);
	t.is(waiting.status?.node, undefined);

	// Retries back off: after ~1.5 s, a handful of attempts, not hundreds.
	await new Promise((r) => setTimeout(r, 1500));
	const key = `${w.namespace}/t1`;
	const failures = w.operator.queue.failures(key);
	t.true(failures >= 2 && failures <= 6, `failures after 1.5 s: ${failures}`);
	t.true(w.operator.queue.backoffMs(failures) > w.operator.queue.backoffMs(1), 'the delay grows');
	t.deepEqual(w.agents.get('gw-1')?.programmer.applies.flat().filter((k) => k === key), []);

	await w.createSecret('site-b-psk', { psk: 'first key' });
	const up = await w.waitForTunnel('t1', 'Programmed=True', (x) => cond(x, 'Programmed')?.status === 'True', 15_000);
	t.is(cond(up, 'Accepted')?.reason, 'Accepted');
	t.is(up.status?.node, 'gw-1');
	t.deepEqual(w.agents.get('gw-1')?.programmer.psks.get(key), ['first key']);
	t.is(w.operator.queue.failures(key), 0);
});
