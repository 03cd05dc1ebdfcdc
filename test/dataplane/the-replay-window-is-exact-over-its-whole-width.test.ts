// The anti-replay window (dataplane/src/replay.c) judges every sequence number exactly as a
// reference model does — every position of windows from 1 to 32768 packets, random
// reordering, duplicates and jumps past the whole bitmap, and ESN inference across 2^32.
// (librte_ipsec's own check is wrong for windows of 32 bits and more; TESTBED.md.)
import { join } from 'node:path';
import test from 'ava';
import { repo, run } from './harness.js';

test('the replay window agrees with the reference model for windows up to 32768', async t => {
	const build = await run('make', ['-s', '-C', join(repo, 'dataplane'), 'replay_test']);
	t.is(build.code, 0, build.stderr);
	const r = await run(join(repo, 'dataplane/build/replay_test'), []);
	t.is(r.stderr, '');
	t.is(r.code, 0);
	t.deepEqual(r.stdout.trim().split('\n'), [1, 32, 64, 65, 1000, 1024, 4096, 32768].map(w => `window ${w}: ok`));
});
