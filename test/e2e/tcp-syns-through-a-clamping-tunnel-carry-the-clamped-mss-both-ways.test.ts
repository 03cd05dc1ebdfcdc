import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

for (const dataplane of e2eDataplanes()) test.serial(`${dataplane}: TCP SYNs and SYN-ACKs through a tunnel with mssClamp arrive with the clamped MSS, both ways`, async t => {
	const { exitCode, facts, explain } = await runScenario('tcp-syns-through-a-clamping-tunnel-carry-the-clamped-mss-both-ways', {
		dataplane, timeoutMs: 300_000,
		// kernel: the UML kernel has no nft_compat; the agent writes its TCPMSS rules with iptables-legacy (as two-sites.sh its NAT)
		env: { ESPLANE_IPTABLES: 'iptables-legacy' },
	});
	t.is(exitCode, 0, explain);
	t.log('clamp:', JSON.stringify(facts['clamp']));
	t.true(facts['tcpAtoB'] === true && facts['tcpBtoA'] === true, JSON.stringify(facts));
	const atA = facts['synsAtA'] as string[];
	const atB = facts['synsAtB'] as string[];
	t.log('at host-a:', atA.join(' | '));
	t.log('at host-b:', atB.join(' | '));
	const across = (syns: string[], from: string) => syns.filter(s => s.startsWith(`${from}>`));
	for (const [where, syns, far, own] of [['host-a', atA, '10.2.0.2', '10.1.0.2'], ['host-b', atB, '10.1.0.2', '10.2.0.2']] as const) {
		const fromFar = across(syns, far);
		// the far host opened connections (SYN) and answered ours (SYN-ACK): both crossed the tunnel
		t.true(fromFar.some(s => s.includes(' S ')) && fromFar.some(s => s.includes(' SA ')), `${where}: ${syns.join(' | ')}`);
		t.deepEqual(fromFar.filter(s => !s.endsWith(' 1200')), [], `${where}: every SYN from across carries MSS 1200`);
		// what the host itself sent has not crossed the tunnel yet: unclamped (the check can fail)
		t.true(across(syns, own).length > 0 && across(syns, own).every(s => s.endsWith(' 1460')), `${where}: ${syns.join(' | ')}`);
	}
});
