// The inbound parse/decap path (classify -> SAD -> ESP decap -> policy check) survives a
// bounded libFuzzer run under AddressSanitizer and UBSan: any crash or sanitizer report fails.
// The target (dataplane/fuzz/fuzz_inbound.c) also seals fuzzed plaintexts with a valid ICV so
// padding and inner-header parsing are fuzzed past authentication.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { repo, run, scratch } from './harness.js';

test.before('the fuzz target builds with clang, ASan and UBSan', async () => {
	const build = await run('make', ['-s', '-C', join(repo, 'dataplane'), 'fuzz'], { timeoutMs: 170_000 });
	if (build.code !== 0) throw new Error(`make fuzz failed: ${build.stderr}`);
});

test('twenty seconds of fuzzing the inbound path find no crash', async t => {
	const { dir, remove } = scratch('fuzz');
	t.teardown(remove);
	const r = await run(join(repo, 'dataplane/build/fuzz_inbound'),
		['-max_total_time=20', '-timeout=5', `-artifact_prefix=${dir}/`, '-print_final_stats=1'],
		// EAL's own allocations live until exit by design: leak reports at exit are not findings
		{ cwd: dir, timeoutMs: 90_000, env: { ASAN_OPTIONS: 'detect_leaks=0' } });
	t.deepEqual(readdirSync(dir).filter(f => /^(crash|leak|timeout|oom)-/.test(f)), [], r.stderr.slice(-3000));
	t.is(r.code, 0, r.stderr.slice(-3000));
	t.regex(r.stderr, /Done \d+ runs/);
});
