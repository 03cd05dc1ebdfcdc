// Policies as the kernel writes them: a template names a reqid, not an SPI, so an inbound
// policy accepts the old and the rekeyed SA alike and an outbound one uses the newest SA of
// its reqid; priorities are 32-bit (strongSwan's are around 375423) and keep their order.
// A family with at most 8 policies is scanned in priority order, a larger one goes through
// rte_acl (dataplane/src/spd.c): the same packets run against both, the large tables padded
// with policies no packet matches. Packets and config: test/dataplane/esp_reqid.py.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { helpers, nonZero, python, run, runDataplane, scratch } from './harness.js';

for (const [size, filler] of [['small tables', 0], ['tables large enough for rte_acl', 12]] as const) {
	test(`reqid templates select SAs and priorities above 16 bits keep their order, ${size}`, async t => {
		const { dir, remove } = scratch('reqid');
		t.teardown(remove);
		const gen = await run(python, [join(helpers, 'esp_reqid.py'), 'gen', dir]);
		t.is(gen.code, 0, gen.stderr);
		const path = join(dir, 'config.json');
		const config = JSON.parse(readFileSync(path, 'utf8')) as { policies: Record<string, unknown>[] };
		for (let k = 0; k < filler; k++)
			for (const d of ['in', 'out'])
				config.policies.push({ dir: d, src: `203.0.113.${k}/32`, dst: '198.51.100.0/24', action: 'discard', priority: 1 + k });
		writeFileSync(path, JSON.stringify(config));
		const dp = await runDataplane(dir);
		t.is(dp.code, 0, dp.stderr);
		// the discard at 375423 beat the bypass at 375424: two drops; nothing else dropped
		t.deepEqual(nonZero(dp.stats!.drops), { policy_discard: 2 });
		const check = await run(python, [join(helpers, 'esp_reqid.py'), 'check', dir]);
		t.is(check.code, 0, check.stderr);
		const seen = JSON.parse(check.stdout) as { esp_spis: Record<string, number>; clear_to_wan: number; decrypted_by_sa: Record<string, number> };
		t.deepEqual(seen.esp_spis, { '0x7002': 3 }, 'the newest SA of reqid 9 carried the flow');
		t.is(seen.clear_to_wan, 2, 'the bypass at 100000 beat the discard at 100001');
		t.deepEqual(seen.decrypted_by_sa, { '0x6001': 3, '0x6002': 3 }, 'both SAs of reqid 7 passed the inbound check');
	});
}
