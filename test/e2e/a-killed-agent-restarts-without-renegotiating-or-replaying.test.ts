import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

// How long the tunnel may be silent: 2 s in both modes. Kernel mode: the kernel keeps
// forwarding while the agent is away. dpdk mode: the dataplane lives in its own host process
// (esplane dataplane-host), which keeps forwarding; the restarted agent attaches to it and
// adopts its SAs as they are.
const boundSeconds = 2;

for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: an agent killed with SIGKILL under traffic restarts: traffic resumes, no IKE renegotiation, no replay at the peer`, async t => {
		const { exitCode, facts, explain } = await runScenario('a-killed-agent-restarts-without-renegotiating-or-replaying', {
			dataplane, env: { PING_COUNT: dataplane === 'dpdk' ? '1400' : '160' }, timeoutMs: 240_000,
		});
		t.is(exitCode, 0, explain);
		t.true((facts['repliesAfterKill'] as number) > 50, `replies after the kill: ${String(facts['repliesAfterKill'])}`);
		t.true((facts['longestGapSeconds'] as number) < boundSeconds, `longest gap between replies: ${String(facts['longestGapSeconds'])} s`);
		t.true(facts['sameSas'] as boolean, `the peer's SAs changed: ${JSON.stringify(facts['peerSas'])}`);
		t.is(facts['replayErrors'], 0, 'replay errors counted by the peer kernel');
		if (dataplane === 'dpdk') {
			t.true((facts['adoptedSas'] as number) >= 2, `SAs the restarted agent adopted from the dataplane host: ${String(facts['adoptedSas'])}`);
			t.deepEqual(facts['hostLeftBehind'], { alive: false, socket: false, taps: [] }, 'the agent stopped with SIGTERM took its dataplane host down');
		}
		t.log(`longest gap ${String(facts['longestGapSeconds'])} s, ${String(facts['replies'])} replies`);
	});
}
