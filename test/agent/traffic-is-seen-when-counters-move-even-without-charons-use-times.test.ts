// Ready needs traffic seen both ways recently. charon's use-in/use-out (the kernel's policy
// use times) stay empty when the dpdk dataplane carries the packets, so the agent also dates
// traffic by the CHILD SA's counters moving between two looks.
import test from 'ava';
import { TrafficClock } from '../../operator/agent/traffic-seen.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

test('counters that move date the traffic each way; a first sight or standing counters do not', (t) => {
	const clock = new TrafficClock();
	t.deepEqual(clock.seen('a/b', 5, 5, at(0)), {}, 'the first sight: when those packets crossed is unknown');
	clock.sweep();
	t.deepEqual(clock.seen('a/b', 5, 5, at(2)), {}, 'nothing moved');
	clock.sweep();
	t.deepEqual(clock.seen('a/b', 5, 8, at(4)), { outAt: at(4) }, 'outbound only');
	clock.sweep();
	t.deepEqual(clock.seen('a/b', 9, 8, at(6)), { inAt: at(6), outAt: at(4) }, 'inbound now, outbound still dated by the last move');
	clock.sweep();
	t.deepEqual(clock.seen('a/b', 9, 8, at(8)), { inAt: at(6), outAt: at(4) });
	clock.sweep();
});

test('a CHILD SA missing from an observation is forgotten (rekeyed or deleted SPIs never come back)', (t) => {
	const clock = new TrafficClock();
	clock.seen('a/b', 1, 1, at(0));
	clock.sweep();
	clock.seen('c/d', 0, 0, at(2)); // a/b not seen: gone
	clock.sweep();
	t.deepEqual(clock.seen('a/b', 7, 7, at(4)), {}, 'seen again, it counts as a first sight');
});
