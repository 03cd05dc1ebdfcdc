import test from 'ava';
import { createLogger } from '../../operator/log/logger.js';
import { isNetlinkRequestError, isNetlinkSocketError } from '../../operator/rtnl/errors.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import { Netns } from './netns.js';

const ENODEV = 19;

test('a request the kernel refuses rejects with its errno, the socket keeps working, and waiting never blocks the event loop', async (t) => {
	const ns = new Netns('r');
	const rtnl = new Rtnl({ netns: ns.name, logger: createLogger('test', { level: 'error' }) });
	try {
		// no interface has index 4242 in a fresh namespace
		const e = await t.throwsAsync(() => rtnl.resolve(4242, '192.0.2.2'));
		t.true(isNetlinkRequestError(e), String(e));
		t.is(isNetlinkRequestError(e) ? e.errno : 0, ENODEV);

		const links = await rtnl.dumpLinks();
		t.deepEqual(links.items.map((l) => l.name), ['lo'], 'a dump after the refusal answers, from inside the namespace');

		// the socket is parked in poll() on a worker thread: timers on the main thread keep their pace
		let ticks = 0;
		const timer = setInterval(() => ticks++, 10);
		await new Promise((r) => setTimeout(r, 300));
		clearInterval(timer);
		t.true(ticks >= 20, `${ticks} ticks of 10 ms in 300 ms`);
	} finally {
		rtnl.close();
		ns.delete();
	}
	const closed = await t.throwsAsync(() => rtnl.dumpLinks());
	t.true(isNetlinkSocketError(closed), 'a closed socket refuses requests with a typed error');
});
