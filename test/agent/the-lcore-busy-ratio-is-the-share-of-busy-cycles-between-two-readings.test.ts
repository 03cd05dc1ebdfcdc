// lcoreBusyRatios (operator/agent/lcore-busy.ts): between two readings of the workers'
// cumulative counters, busy cycles over all cycles; the first reading counts from the start,
// and a dataplane that restarted (counters back at zero) is read from its new start instead
// of giving a negative or absurd ratio.
import test from 'ava';
import { lcoreBusyRatios, lcoreBusyTracker } from '../../operator/agent/lcore-busy.js';

const r = (lcore: number, busyCycles: bigint, totalCycles: bigint) => ({ lcore, busyCycles, totalCycles });

test('the ratio is delta busy over delta total cycles, per lcore, within 0..1', t => {
	const before = [r(1, 100n, 1000n), r(2, 0n, 1000n)];
	const after = [r(1, 850n, 2000n), r(2, 0n, 2000n)];
	t.deepEqual(lcoreBusyRatios(before, after), [
		{ lcore: 1, role: 'worker', busyRatio: 0.75 },
		{ lcore: 2, role: 'worker', busyRatio: 0 },
	]);
	t.deepEqual(lcoreBusyRatios(undefined, after).map(l => l.busyRatio), [0.425, 0], 'no previous reading: since the start');
	t.deepEqual(lcoreBusyRatios(after, after).map(l => l.busyRatio), [0, 0], 'no cycles passed (workers stopped): 0');
	t.deepEqual(lcoreBusyRatios(after, [r(1, 30n, 100n), r(2, 0n, 100n)]).map(l => l.busyRatio), [0.3, 0], 'counters went back: a restart, read from zero');
	t.deepEqual(lcoreBusyRatios([r(1, 0n, 0n)], [r(1, 0n, 10n), r(3, 5n, 10n)]).map(l => [l.lcore, l.busyRatio]), [[1, 0], [3, 0.5]], 'a new lcore counts from its start');
});

test('the tracker divides by the reading before its previous call', t => {
	const readings = [[r(1, 0n, 0n)], [r(1, 50n, 100n)], [r(1, 50n, 200n)]];
	let i = 0;
	const next = lcoreBusyTracker(() => readings[i++]!);
	t.deepEqual(next().map(l => l.busyRatio), [0]);
	t.deepEqual(next().map(l => l.busyRatio), [0.5]);
	t.deepEqual(next().map(l => l.busyRatio), [0]);
});
