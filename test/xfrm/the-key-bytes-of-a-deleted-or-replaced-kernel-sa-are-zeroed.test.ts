import test from 'ava';
import { attr } from '../../operator/xfrm/codec/attributes.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { delSaMsg, harness, outSa, saMsg } from './mirror-harness.js';

const keyOf = (m: ReturnType<typeof saMsg>) => (m.kind === 'sa' ? attr(m.attrs, 'aead')?.key : undefined);

test('an updated SA zeroes the replaced key copy, a deleted one its own', async t => {
	const h = harness();
	await h.mirror.start();
	const first = saMsg(outSa('0x1'));
	h.kernel.emit(first);
	await h.mirror.settled();
	t.true(keyOf(first)?.some(b => b !== 0));

	const update = saMsg(outSa('0x1'), { type: XFRM_MSG.UPDSA });
	h.kernel.emit(update);
	await h.mirror.settled();
	t.true(keyOf(first)?.every(b => b === 0), 'the replaced copy is wiped');
	t.true(keyOf(update)?.some(b => b !== 0), 'the live copy is intact');
	t.is(h.dp.find('0x1', 'out')?.aead?.key, `0x${'ab'.repeat(20)}`, 'and the dataplane still has the key');

	h.kernel.emit(delSaMsg(update));
	await h.mirror.settled();
	t.true(keyOf(update)?.every(b => b === 0));
	t.is(h.dp.sas.size, 0);
	await h.mirror.stop();
});
