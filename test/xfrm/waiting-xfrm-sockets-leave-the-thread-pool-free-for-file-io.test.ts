import { readFile } from 'node:fs/promises';
import test from 'ava';
import { XfrmSocket } from '../../operator/xfrm/socket.js';

// libuv's pool has 4 threads, shared with fs and dns. Each XFRM socket used to park one of them
// in its own poll(); the agent in dpdk mode waits on XFRM and NETLINK_ROUTE sockets at once,
// so they now share the process's one poller and file I/O is never starved.
test('eight xfrm sockets waiting for events do not hold up file reads on the thread pool', async (t) => {
	t.is(process.env['UV_THREADPOOL_SIZE'], undefined);
	const sockets = Array.from({ length: 8 }, () => new XfrmSocket());
	try {
		const waits = sockets.map(s => s.waitReadable(5000));
		const t0 = Date.now();
		await Promise.all(Array.from({ length: 8 }, () => readFile('/proc/self/status')));
		t.true(Date.now() - t0 < 1000, `file reads took ${Date.now() - t0} ms`);
		for (const s of sockets) s.close();
		const t1 = Date.now();
		await Promise.all(waits);
		t.true(Date.now() - t1 < 1000, 'closing a socket ends its wait');
	} finally {
		for (const s of sockets) s.close();
	}
});
