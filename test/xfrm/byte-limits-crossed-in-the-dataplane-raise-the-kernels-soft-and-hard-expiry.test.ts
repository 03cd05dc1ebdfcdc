// A real kernel (UML): the kernel checks byte/packet limits only on its own packet path,
// which the dataplane bypasses. The write-back must raise the expiry itself: charon (here a
// listener on the EXPIRE group) hears the soft expiry and rekeys; at the hard limit the kernel
// deletes the SA and the mirror takes it out of the dataplane.
//
//   fake dataplane traffic ─► write-back: NEWAE + XFRM_MSG_EXPIRE ─► kernel ─► EXPIRE event (charon)
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../helpers/uml.js';

test('soft then hard byte limit: one soft EXPIRE, one hard EXPIRE, the SA gone from kernel and dataplane', async t => {
	const r = await runInUml('node --import tsx test/xfrm/guest-expire-scenario.ts', { timeoutMs: 120_000 });
	t.is(r.exitCode, 0, r.log + (r.failure ?? ''));
	const res = JSON.parse(readFileSync(join(r.outDir, 'expire.json'), 'utf8')) as Record<string, unknown>;
	t.deepEqual(res['belowSoft'], [], '5,000 of 10,000 bytes: nothing yet');
	t.deepEqual(res['afterSoft'], [{ spi: 0x6001, hard: 0 }], '11,000 bytes: the soft expiry charon rekeys on');
	t.regex(String(res['stateAfterSoft']), /spi 0x00006001/, 'the SA lives on after the soft expiry');
	t.deepEqual(res['afterHard'], [{ spi: 0x6001, hard: 1 }], '21,000 bytes: the hard expiry');
	t.is(String(res['stateAfterHard']).trim(), '', 'the kernel deleted the SA');
	t.deepEqual(res['dataplaneAfterHard'], [], 'and the mirror removed it from the dataplane');
	cleanupUml(r);
});
