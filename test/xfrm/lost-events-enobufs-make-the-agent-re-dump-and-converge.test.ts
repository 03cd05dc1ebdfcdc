// ENOBUFS on the real host kernel: the agent's event socket gets a 2 KiB receive buffer and
// 1,000 policies arrive in one `ip -batch` burst, far more than fit. The kernel drops events
// and says so (ENOBUFS); the mirror must notice, re-dump, and end equal to the kernel.
//
//   [ netns espxfo<pid> ]  ip -b (1000 × policy add) ──► kernel SPD
//        └─ guest-agent.ts (EVENT_RCVBUF=2048) ── overrun ──► full dump ──► FakeDataplane
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess } from './agent-process.js';

const ns = `espxfo${process.pid}`;

test.before(() => { execFileSync('ip', ['netns', 'add', ns]); });
test.after.always(() => { try { execFileSync('ip', ['netns', 'del', ns]); } catch { /* gone */ } });

test('after a burst that overruns the event socket the dataplane holds every policy', async t => {
	const dir = mkdtempSync('/var/tmp/espxf-');
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const n = 1000;
	const lines = Array.from({ length: n }, (_, i) => `xfrm policy add src 10.${i >> 8}.${i & 255}.0/24 dst 10.200.0.0/16 dir out priority ${i} action block`);
	writeFileSync(join(dir, 'batch'), lines.join('\n') + '\n');

	const agent = new AgentProcess(['ip', 'netns', 'exec', ns], { EVENT_RCVBUF: '2048' });
	try {
		t.true((await agent.next()).ready as boolean);
		execFileSync('ip', ['-n', ns, '-b', join(dir, 'batch')]);
		let s: { spd: { out: unknown[] }; stats: { overruns: number; dumps: number } } | undefined;
		for (let i = 0; i < 100; i++) {
			s = (await agent.ask({ cmd: 'state' }))['state'] as typeof s;
			if (s?.spd.out.length === n) break;
			await new Promise(r => setTimeout(r, 100));
		}
		t.is(s?.spd.out.length, n);
		t.true((s?.stats.overruns ?? 0) >= 1, 'the kernel reported lost events');
		t.true((s?.stats.dumps ?? 0) >= 2, 'and the mirror re-dumped');
	} finally {
		await agent.kill();
	}
});
