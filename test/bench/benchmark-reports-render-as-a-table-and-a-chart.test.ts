import test from 'ava';
import { toMarkdown, toSvg } from '../../bench/render.js';
import type { BenchReport } from '../../bench/types.js';

const report: BenchReport = {
	name: 'dataplane',
	rows: [
		{ case: 'encrypt 1420 B', value: 21.3, unit: 'Gbps', reference: { name: 'crypto-perf', value: 25, unit: 'Gbps' }, ratio: 0.852, target: '>= 0.85', met: true },
		{ case: 'encrypt 64 B', value: 5.1, unit: 'Mpps', reference: { name: 'crypto-perf', value: 10.4, unit: 'Mpps' }, ratio: 0.49, target: '>= 0.60', met: false },
		{ case: 'sync 10k SAs', value: 640, unit: 'ms' },
	],
};

test('a report becomes one Markdown row per case with the reference, ratio and verdict', t => {
	const md = toMarkdown([report], 'test machine');
	t.true(md.includes('| encrypt 1420 B | 21.3 Gbps | 25.0 Gbps (crypto-perf) | 0.852 | >= 0.85 | yes |'));
	t.true(md.includes('| encrypt 64 B | 5.100 Mpps | 10.4 Gbps'.replace('Gbps', 'Mpps') + ' (crypto-perf) | 0.490 | >= 0.60 | no |'));
	t.true(md.includes('| sync 10k SAs | 640 ms |  |  |  |  |'));
});

test('the chart has one bar per row with a ratio, and missed targets stand out', t => {
	const svg = toSvg([report]);
	t.is(svg.match(/<rect /g)?.length, 2);
	t.true(svg.includes('#d9534f'));
	t.true(svg.startsWith('<svg'));
});
