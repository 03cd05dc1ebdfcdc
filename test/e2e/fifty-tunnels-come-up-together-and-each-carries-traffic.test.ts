import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

// Both dataplanes; the guest prints where it stands every 10 s (tunnels up, SAs in the
// dataplane, SPD replaces), so a slow run shows in the output how far it got. Measured on the
// shared 2-core machine, UML boot included: dpdk 55-62 s (all 50 up 5-8 s after the agent
// answers), kernel 42-46 s. 240 s leaves room for a loaded machine.
for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: fifty tunnels applied at once all come up and each carries traffic both ways`, async t => {
		const { exitCode, facts, explain } = await runScenario('fifty-tunnels-come-up-together-and-each-carries-traffic', { dataplane, timeoutMs: 240_000 });
		t.is(exitCode, 0, explain);
		t.is(facts['up'], 50);
		t.deepEqual(facts['pingFailed'], [], 'tunnels whose ping failed');
		t.is(facts['withTraffic'], 50, `tunnels whose counters show traffic both ways; not: ${JSON.stringify(facts['withoutTraffic'])}`);
		t.log(`all 50 up ${String(facts['secondsToAllUp'])} s after the agent answered`);
	});
}
