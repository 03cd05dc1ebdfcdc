import test from 'ava';
import { runScenario } from './run.js';

test('after charon is killed and restarted the agent reloads it and the tunnel comes back by itself', async t => {
	const { exitCode, facts, explain } = await runScenario('a-killed-charon-is-back-with-the-tunnel-without-anyone-acting');
	t.is(exitCode, 0, explain);
	t.not(facts['spiAfter'], facts['spiBefore'], 'a new CHILD SA was negotiated');
	t.true(facts['ping'] as boolean, 'ping through the re-established tunnel');
	t.log(`tunnel back ${String(facts['secondsToUp'])} s after charon restarted`);
});
