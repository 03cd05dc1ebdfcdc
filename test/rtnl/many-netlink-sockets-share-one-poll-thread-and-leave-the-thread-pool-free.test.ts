import { readFile } from 'node:fs/promises';
import test from 'ava';
import { createLogger } from '../../operator/log/logger.js';
import type { RtnlEvent } from '../../operator/rtnl/events.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import { Netns } from './netns.js';

// libuv's thread pool has 4 threads (UV_THREADPOOL_SIZE unset); with one parked poll() per
// socket, 8 sockets would starve it and most of them would never be read
test('eight netlink sockets all receive their notifications while file I/O on the thread pool still completes', async (t) => {
	t.is(process.env['UV_THREADPOOL_SIZE'], undefined);
	const ns = new Netns('p');
	const log = createLogger('test', { level: 'error' });
	const sockets = Array.from({ length: 8 }, () => new Rtnl({ netns: ns.name, logger: log }));
	try {
		const seen = sockets.map(() => new Set<string>());
		sockets.forEach((s, i) => s.onEvent((e: RtnlEvent) => {
			if (e.kind === 'link' && e.op === 'new' && e.link.name) seen[i]?.add(e.link.name);
		}));
		ns.batch(['link add espveth0 type veth peer name espveth1']);

		const t0 = Date.now();
		await Promise.all(Array.from({ length: 8 }, () => readFile('/proc/self/status')));
		t.true(Date.now() - t0 < 1000, 'thread-pool work is not starved');

		const deadline = Date.now() + 3000;
		while (seen.some((s) => !s.has('espveth0')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		t.deepEqual(seen.map((s) => s.has('espveth0')), sockets.map(() => true), 'every socket got the RTM_NEWLINK');
		const dumps = await Promise.all(sockets.map((s) => s.dumpLinks()));
		t.true(dumps.every((d) => d.items.some((l) => l.name === 'espveth0')), 'every socket answers a dump');
	} finally {
		for (const s of sockets) s.close();
		ns.delete();
	}
});
