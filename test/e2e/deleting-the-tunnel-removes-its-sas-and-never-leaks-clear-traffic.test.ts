import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: deleting a tunnel under traffic removes its SAs everywhere and no packet of the flow crosses the wan in clear`, async t => {
		const { exitCode, facts, explain } = await runScenario('deleting-the-tunnel-removes-its-sas-and-never-leaks-clear-traffic', { dataplane });
		t.is(exitCode, 0, explain);
		t.is(facts['sasBefore'], 2);
		t.is(facts['kernelSasAfter'], 0, 'SAs left in the kernel');
		t.is(facts['kernelPoliciesAfter'], 0, 'tunnel policies left in the kernel');
		t.is(facts['charonSasAfter'], 0, 'SAs left in charon');
		t.is(facts['agentSasAfter'], 0, 'SAs the agent still reports');
		t.true((facts['espPackets'] as number) > 10, 'the flow was protected before the delete');
		t.is(facts['plaintextPackets'], 0, 'packets of the protected flow in clear on the wan');
	});
}
