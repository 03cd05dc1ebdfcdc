import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: an agent killed with SIGKILL under traffic restarts: traffic resumes within 2 s, no IKE renegotiation, no replay at the peer`, async t => {
		const { exitCode, facts, explain } = await runScenario('a-killed-agent-restarts-without-renegotiating-or-replaying', { dataplane });
		t.is(exitCode, 0, explain);
		t.true((facts['repliesAfterKill'] as number) > 50, `replies after the kill: ${String(facts['repliesAfterKill'])}`);
		t.true((facts['longestGapSeconds'] as number) < 2, `longest gap between replies: ${String(facts['longestGapSeconds'])} s`);
		t.true(facts['sameSas'] as boolean, `the peer's SAs changed: ${JSON.stringify(facts['peerSas'])}`);
		t.is(facts['replayErrors'], 0, 'replay errors counted by the peer kernel');
		t.log(`longest gap ${String(facts['longestGapSeconds'])} s, ${String(facts['replies'])} replies`);
	});
}
