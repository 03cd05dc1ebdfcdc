// With an exception TAP on wan (in a network namespace of its own), trace says where the
// non-ESP packet went — to the kernel — and a capture at wan-out holds what the kernel sent
// out through the dataplane (its ARP requests), not only the dataplane's own packets.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'ava';
import type { TraceResult } from '../../operator/agent/control-api.js';
import { helpers, repo, run, scratch } from './harness.js';

test('trace shows the punt to the kernel; wan-out capture includes the kernel\'s frames', async t => {
	const { dir, remove } = scratch('capexc');
	t.teardown(remove);
	const ns = `cap-${process.pid}`;
	execFileSync('ip', ['netns', 'add', ns]);
	t.teardown(() => execFileSync('ip', ['netns', 'del', ns]));
	execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
	const r = await run('ip', ['netns', 'exec', ns, 'node', '--import', 'tsx', join(helpers, 'exception-site.ts'), dir, 'capexc0'], { cwd: repo, timeoutMs: 120_000 });
	t.is(r.code, 0, r.stderr);
	const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { traceCode: number; trace: string; traceErr: string; capCode: number; capErr: string; pcap: string };
	t.is(out.traceCode, 0, out.traceErr);
	const traces = (JSON.parse(out.trace) as TraceResult).traces;
	const dns = traces.filter(x => x.sport === 53);
	t.true(dns.length >= 1);
	for (const x of dns) t.like(x, { in: 'wan', class: 'exception', result: 'to-kernel', spi: null });
	t.true(traces.some(x => x.spi === '0x00000200' && x.result === 'forwarded'), 'ESP still goes through the dataplane');

	t.is(out.capCode, 0, out.capErr);
	const dump = await run('tcpdump', ['-nn', '-r', out.pcap]);
	const lines = dump.stdout.trim().split('\n');
	t.is(lines.length, 2, dump.stdout);
	for (const l of lines) t.regex(l, /ARP, Request who-has 192\.0\.2\.77 tell 192\.0\.2\.1/);
});
