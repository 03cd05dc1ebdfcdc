import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

// Both dataplanes; the guest prints where it stands every 10 s (tunnels up, SAs in the
// dataplane, SPD replaces), so a slow run shows in the output how far it got. Measured in a
// UML guest on a loaded 2-core machine: kernel ~25 s, dpdk ~60 s (EAL start, one CPU shared
// with a polling worker).
for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: fifty tunnels applied at once all come up and each carries traffic both ways`, async t => {
		const { exitCode, facts, explain } = await runScenario('fifty-tunnels-come-up-together-and-each-carries-traffic', { dataplane, timeoutMs: 240_000 });
		t.is(exitCode, 0, explain);
		t.is(facts['up'], 50);
		t.deepEqual(facts['pingFailed'], [], 'tunnels whose ping failed');
		t.is(facts['withTraffic'], 50, `tunnels whose counters show traffic both ways; not: ${JSON.stringify(facts['withoutTraffic'])}`);
		t.log(`all 50 up ${String(facts['secondsToAllUp'])} s after the agent started`);
	});
}
