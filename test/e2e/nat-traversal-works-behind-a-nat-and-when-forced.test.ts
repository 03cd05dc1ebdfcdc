import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

type Seen = { ping: boolean; udpEsp: number; esp: number; plaintext: number };

for (const dataplane of e2eDataplanes()) {
	for (const natCase of ['nat', 'force'] as const) {
		const title = natCase === 'nat'
			? 'behind a masquerading NAT the tunnel carries ESP in UDP 4500 on both sides of the router'
			: 'natTraversal: force encapsulates ESP in UDP 4500 without any NAT';
		test.serial(`${dataplane}: ${title}`, async t => {
			const { exitCode, facts, explain } = await runScenario('nat-traversal-works-behind-a-nat-and-when-forced', { dataplane, env: { NATT_CASE: natCase } });
			t.is(exitCode, 0, explain);
			for (const side of ['inside', 'outside']) {
				const seen = facts[side] as Seen;
				t.true(seen.ping, `${side}: ping through the tunnel`);
				t.true(seen.udpEsp >= 10, `${side}: UDP-encapsulated ESP packets: ${seen.udpEsp}`);
				t.is(seen.esp, 0, `${side}: plain ESP packets`);
				t.is(seen.plaintext, 0, `${side}: packets with inner addresses`);
			}
			t.deepEqual((facts['sas'] as Array<{ encap: string | null }>).map(s => s.encap), ['espinudp 4500:4500', 'espinudp 4500:4500']);
		});
	}
}
