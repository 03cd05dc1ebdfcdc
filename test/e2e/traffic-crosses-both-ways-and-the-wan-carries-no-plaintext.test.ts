import test from 'ava';
import { runScenario } from './run.js';

test('ICMP, TCP and UDP cross the tunnel both ways and a wan capture shows only ESP for them', async t => {
	const { exitCode, facts, explain } = await runScenario('traffic-crosses-both-ways-and-the-wan-carries-no-plaintext');
	t.is(exitCode, 0, explain);
	t.true(facts['pingAtoB'] as boolean, 'ping host-a → host-b');
	t.true(facts['pingBtoA'] as boolean, 'ping host-b → host-a');
	for (const k of ['tcpAtoB', 'tcpBtoA', 'udpAtoB', 'udpBtoA']) t.true((facts[k] as number) > 100_000, `${k}: ${String(facts[k])} bytes`);
	t.true((facts['espPackets'] as number) > 1000, `ESP packets on the wan: ${String(facts['espPackets'])}`);
	t.is(facts['plaintextPackets'], 0, 'packets with inner addresses on the wan');
	t.is(facts['otherPackets'], 0, 'IPv4 packets on the wan that are neither ESP nor IKE');
});
