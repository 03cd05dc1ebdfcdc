import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

for (const dataplane of e2eDataplanes()) {
	test.serial(`${dataplane}: ICMP, TCP and UDP cross the tunnel both ways and a wan capture shows only ESP for them`, async t => {
		const { exitCode, facts, explain } = await runScenario('traffic-crosses-both-ways-and-the-wan-carries-no-plaintext', { dataplane });
		t.is(exitCode, 0, explain);
		t.true(facts['pingAtoB'] as boolean, 'ping host-a → host-b');
		t.true(facts['pingBtoA'] as boolean, 'ping host-b → host-a');
		for (const k of ['tcpAtoB', 'tcpBtoA', 'udpAtoB', 'udpBtoA']) t.true((facts[k] as number) > 100_000, `${k}: ${String(facts[k])} bytes`);
		t.true((facts['espPackets'] as number) > 1000, `ESP packets on the wan: ${String(facts['espPackets'])}`);
		t.is(facts['plaintextPackets'], 0, 'packets with inner addresses on the wan');
		t.is(facts['readyz'], '200 ok', 'the agent is ready once charon answers');
		const policies = facts['policies'] as Array<{ dir: string; src: string; dst: string; action: string }>;
		t.true(policies.some(p => p.dir === 'out' && p.src === '10.1.0.0/24' && p.dst === '10.2.0.0/24' && p.action === 'protect'), `sp list: ${JSON.stringify(policies)}`);
		const metrics = facts['metrics'] as string[];
		const value = (re: RegExp) => Number(metrics.find(l => re.test(l))?.split(' ').at(-1));
		t.true(value(/^esplane_tunnel_packets_total\{.*tunnel="default\/site-b".*dir="out"/) > 1000, metrics.join('\n'));
		t.true(value(/^esplane_tunnel_packets_total\{.*tunnel="default\/site-b".*dir="in"/) > 1000, metrics.join('\n'));
		t.is(metrics.filter(l => /^esplane_sa_packets_total\{.*tunnel="default\/site-b"/.test(l)).length, 2, 'both SAs attributed to the tunnel');
		t.is(facts['otherPackets'], 0, 'IPv4 packets on the wan that are neither ESP nor IKE');
	});
}
