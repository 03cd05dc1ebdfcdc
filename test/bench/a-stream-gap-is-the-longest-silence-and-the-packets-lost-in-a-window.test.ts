import test from 'ava';
import { percentile, windowStats } from '../../bench/compare/gaps.js';

// 1,000 packets/s for 3 s: seq i sent at i ms, arriving 0.5 ms later, except 1500..1539 (a
// 40-packet hole starting at 1.5 s) and 2900 (one packet lost late).
const sendTimes = Array.from({ length: 3000 }, (_, i) => i);
const arrivals = sendTimes.flatMap((t, i): Array<[number, number]> => ((i >= 1500 && i < 1540) || i === 2900 ? [] : [[i, t + 0.5]]));

test('the hole inside the window is its longest gap and its losses', t => {
	const s = windowStats(sendTimes, arrivals, { from: 1400, to: 2000 });
	t.is(s.sent, 601);
	t.is(s.lost, 40);
	t.is(s.longestGapMs, 41);
});

test('a window away from the hole sees only the steady spacing', t => {
	const s = windowStats(sendTimes, arrivals, { from: 200, to: 1000 });
	t.deepEqual(s, { longestGapMs: 1, lost: 0, sent: 801 });
});

test('a gap that starts before the window still counts in it', t => {
	const s = windowStats(sendTimes, arrivals, { from: 1520, to: 1600 });
	t.is(s.longestGapMs, 41);
	t.is(s.lost, 20);
});

test('percentiles are nearest-rank', t => {
	t.is(percentile([5, 1, 3, 2, 4], 50), 3);
	t.is(percentile([5, 1, 3, 2, 4], 100), 5);
	t.true(Number.isNaN(percentile([], 50)));
});
