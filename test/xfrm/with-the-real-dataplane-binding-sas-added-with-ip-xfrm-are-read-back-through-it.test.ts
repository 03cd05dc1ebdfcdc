// The same matrix as the fake-dataplane test, but the agent drives the real dataplane
// (libesplane-dp through the koffi binding, EAL inside the UML guest) and the SAs are read
// back through the binding: what the kernel holds is what the C side holds, and what the C
// side refuses never gets in.
//
//   UML guest ── ip xfrm state add/delete/flush ──► kernel SAD
//                  NETLINK_XFRM ──► guest-agent.ts (XfrmMirror) ──► KoffiDataplane ──► listSas()
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../helpers/uml.js';
import { SA_MATRIX } from './sa-matrix.js';

interface Key { spi: string; dir: string; dst: string }
interface State { sas: Key[]; unprogrammable: Array<{ what: string; reason: string }>; stats: { spdReplaces: number } }

const keys = (l: Key[]) => l.map(k => `${k.spi} ${k.dir} ${k.dst}`).sort();

test('the binding holds exactly the programmable SAs and takes the SPDs, follows deletes and a flush', async t => {
	const r = await runInUml('node --import tsx test/xfrm/guest-sa-scenario.ts', { timeoutMs: 150_000, env: { DATAPLANE: 'koffi' } });
	t.is(r.exitCode, 0, r.log + (r.failure ?? ''));
	const res = JSON.parse(readFileSync(join(r.outDir, 'sa-scenario.json'), 'utf8')) as Record<string, unknown>;
	t.deepEqual(res['addErrors'], {});
	const want = SA_MATRIX.flatMap(m => ('reason' in m.expect ? [] : [{ spi: m.expect.spi, dir: m.expect.dir, dst: m.expect.dst }]));
	const afterAdd = res['afterAdd'] as State;
	t.deepEqual(keys(afterAdd.sas), keys(want));
	// Nothing was refused by the C side: the table and the dataplane agree.
	t.false(afterAdd.unprogrammable.some(u => u.reason.startsWith('dataplane rejected')), JSON.stringify(afterAdd.unprogrammable));
	t.is(afterAdd.unprogrammable.length, SA_MATRIX.length - want.length);
	// The SPDs (protect by reqid with and without a named SA, block, port bypass) were taken.
	t.true(afterAdd.stats.spdReplaces >= 2);
	t.notRegex(String(res['agentStderr']), /spd not replaced/);
	const afterDelete = res['afterDelete'] as State;
	t.deepEqual(keys(afterDelete.sas), keys(want.filter(k => k.spi !== '0x1001' && k.spi !== '0x2002')));
	t.deepEqual((res['afterFlush'] as State).sas, []);
	cleanupUml(r);
});
