import test from 'ava';
import { e2eDataplanes, runScenario } from './run.js';

const cases = {
	vici: 'a rekey forced over VICI',
	time: 'a time-based rekey (esp.lifetime)',
	bytes: 'a byte-based rekey (esp.lifeBytes, fed by the counters)',
} as const;

type Drops = { gwa: Record<string, number>; gwb: Record<string, number>; gwaDataplane: Record<string, number> };

for (const dataplane of e2eDataplanes()) {
	for (const [rekeyCase, what] of Object.entries(cases)) {
		test.serial(`${dataplane}: ${what} under a 1,000 packets/s stream drops no packet in IPsec`, async t => {
			const { exitCode, facts, explain } = await runScenario('rekeys-under-a-steady-stream-lose-no-packets', { dataplane, env: { REKEY_CASE: rekeyCase }, timeoutMs: 240_000 });
			t.is(exitCode, 0, explain);
			const spis = facts['outboundSpis'] as string[];
			t.true(spis.length >= 2, `the outbound SA was replaced during the stream: SPIs seen ${spis.join(', ')}`);
			t.true((facts['packets'] as number) > 14_000, `packets sent: ${String(facts['packets'])}`);
			const before = facts['dropsBefore'] as Drops;
			const after = facts['dropsAfter'] as Drops;
			t.log(`${rekeyCase}: ${String(facts['packets'])} packets sent, ${String(facts['streamLost'])} lost end to end (socket buffers included), SPIs ${spis.join(' → ')}, IPsec drops ${JSON.stringify(after)}`);
			t.deepEqual(after, before, 'IPsec drop counters of both gateways (xfrm_stat) changed during the rekey');
		});
	}
}
