// A real kernel with ESP (UML guest, Debian 6.1): every algorithm of the table in both
// directions and families, ESN, NAT-T, added with `ip xfrm state add` — half before the agent
// starts (its dump), half after (events). Then deletes and a flush. SAs the dataplane cannot
// run are reported with their reason and never installed.
//
//   UML guest ── ip xfrm state add/delete/flush ──► kernel SAD
//                  NETLINK_XFRM dump + events ──► guest-agent.ts (XfrmMirror) ──► FakeDataplane
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SEQ_MARGIN } from '../../operator/agent/xfrm-mirror.js';
import { cleanupUml, runInUml } from '../helpers/uml.js';
import { SA_MATRIX } from './sa-matrix.js';

interface Sa { spi: string; dir: string; seq?: string; [k: string]: unknown }
interface State { sas: Sa[]; spd: { in: Array<Record<string, unknown>>; out: Array<Record<string, unknown>> }; unprogrammable: Array<{ what: string; reason: string }> }

test('the dataplane holds exactly the programmable SAs, follows deletes and a flush, and reports the rest', async t => {
	const r = await runInUml('node --import tsx test/xfrm/guest-sa-scenario.ts', { timeoutMs: 120_000 });
	t.is(r.exitCode, 0, r.log + (r.failure ?? ''));
	const res = JSON.parse(readFileSync(join(r.outDir, 'sa-scenario.json'), 'utf8')) as Record<string, unknown>;
	t.deepEqual(res['addErrors'], {}, 'the kernel took every SA');
	const afterAdd = res['afterAdd'] as State;

	for (const m of SA_MATRIX) {
		const spi = m.args.match(/spi (0x[0-9a-f]+)/)?.[1] ?? '';
		const got = afterAdd.sas.find(s => s.spi === spi);
		if ('reason' in m.expect) {
			t.is(got, undefined, `${spi} is not installed`);
			const u = afterAdd.unprogrammable.find(x => x.what.startsWith(`sa ${spi} `));
			t.regex(u?.reason ?? '(not reported)', m.expect.reason, `${spi} is reported`);
			continue;
		}
		if (!got) { t.fail(`${spi} missing from the dataplane`); continue; }
		const { seq, ...rest } = got;
		t.deepEqual(rest, JSON.parse(JSON.stringify(m.expect)), `${spi} as ip xfrm added it`);
		// Outbound SAs start above the kernel's oseq (0 here) by the restart margin; inbound from the replay state (0).
		t.is(seq, got.dir === 'out' ? String(DEFAULT_SEQ_MARGIN + 1n) : undefined, `${spi} sequence start`);
	}
	t.is(afterAdd.sas.length, SA_MATRIX.filter(m => !('reason' in m.expect)).length);
	// Outbound names the SA the kernel would use for reqid 1 (the newest); inbound takes any SA of reqid 1.
	const protect = afterAdd.spd.out.find(p => p['action'] === 'protect');
	t.like(protect, { src: '10.1.0.0/24', dst: '10.2.0.0/24', reqid: 1 });
	t.true(afterAdd.sas.some(s => s.spi === protect?.['spi'] && s.dir === 'out'), 'the named SA is installed');
	t.deepEqual(afterAdd.spd.in, [{ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 'any', action: 'protect', priority: 100, reqid: 1 }]);
	t.deepEqual(afterAdd.spd.out.map(p => p['action']), ['discard', 'bypass', 'protect']);

	const afterDelete = res['afterDelete'] as State;
	t.deepEqual(afterDelete.sas.map(s => s.spi).filter(s => s === '0x1001' || s === '0x2002'), []);
	t.is(afterDelete.sas.length, afterAdd.sas.length - 2);
	t.false(afterDelete.unprogrammable.some(u => u.what.startsWith('sa 0x4001 ')), 'a deleted unprogrammable SA is no longer reported');
	const afterFlush = res['afterFlush'] as State;
	t.deepEqual(afterFlush.sas, []);
	t.deepEqual(afterFlush.unprogrammable, []);
	// Each reason is logged once, not on every look.
	t.is((String(res['agentStderr']).match(/unsupported cipher cbc\(des3_ede\)/g) ?? []).length, 1);
	cleanupUml(r);
});
