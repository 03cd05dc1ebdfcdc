import test from 'ava';
import type { XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { harness, outSa, policyMsg, saMsg } from './mirror-harness.js';

const marked = (m: XfrmMessage, v: number): XfrmMessage => ({ ...m, attrs: [...m.attrs, { kind: 'mark', value: { v, m: 0xff } }] } as XfrmMessage);

test('with a mark scope only marked SAs and policies reach the dataplane', async t => {
	const h = harness({ scope: { marks: [{ v: 0x42, m: 0xff }] } });
	h.kernel.sas = [marked(saMsg(outSa('0x1', 1)), 0x42), saMsg(outSa('0x2', 2)), marked(saMsg(outSa('0x3', 3)), 0x43)];
	h.kernel.policies = [
		marked(policyMsg({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect' }, { src: '192.0.2.1', dst: '192.0.2.2', reqid: 1 }), 0x42),
		policyMsg({ dir: 'out', src: '10.3.0.0/24', dst: '10.4.0.0/24', action: 'protect' }, { src: '192.0.2.1', dst: '192.0.2.2', reqid: 2 }),
	];
	await h.mirror.start();
	t.deepEqual([...h.dp.sas.values()].map(s => s.spi), ['0x1']);
	t.deepEqual(h.dp.spd.out.map(p => [p.src, p.spi]), [['10.1.0.0/24', '0x1']]);
	t.deepEqual(h.mirror.unprogrammable(), [], 'out-of-scope objects are not ours, not errors');
	await h.mirror.stop();
});

test('with a reqid scope only those tunnels are mirrored', async t => {
	const h = harness({ scope: { reqids: [2] } });
	h.kernel.sas = [saMsg(outSa('0x1', 1)), saMsg(outSa('0x2', 2))];
	await h.mirror.start();
	t.deepEqual([...h.dp.sas.values()].map(s => s.spi), ['0x2']);
	await h.mirror.stop();
});
