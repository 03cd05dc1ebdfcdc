import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: after charon is killed and restarted the agent reloads it and the tunnel comes back by itself`, async t => {
		const { exitCode, facts, explain } = await runScenario('a-killed-charon-is-back-with-the-tunnel-without-anyone-acting', { dataplane });
		t.is(exitCode, 0, explain);
		t.not(facts['spiAfter'], facts['spiBefore'], 'a new CHILD SA was negotiated');
		t.true(facts['ping'] as boolean, 'ping through the re-established tunnel');
		t.log(`tunnel back ${String(facts['secondsToUp'])} s after charon restarted`);
	});
}
