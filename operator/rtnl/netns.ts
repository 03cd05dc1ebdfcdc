// Run a synchronous function with the calling thread inside a named network namespace
// (`ip netns add NAME` => /run/netns/NAME), then switch back. A socket keeps the namespace it
// was created in, so this is all a netlink socket needs to watch another namespace. setns()
// moves only the calling thread (Node's main thread), and only for the length of `fn`.
import { closeSync, openSync } from 'node:fs';
import { NetlinkSocketError } from './errors.js';
import { CLONE_NEWNET, loadLibc } from './libc.js';

export function inNetns<T>(name: string | undefined, fn: () => T): T {
	if (name === undefined) return fn();
	if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new NetlinkSocketError(`netns name ${JSON.stringify(name)}`, 22);
	const libc = loadLibc();
	const home = openSync('/proc/thread-self/ns/net', 'r');
	try {
		const target = openSync(`/run/netns/${name}`, 'r');
		try {
			if (libc.setns(target, CLONE_NEWNET) < 0) throw new NetlinkSocketError('setns', libc.errno());
		} finally {
			closeSync(target);
		}
		try {
			return fn();
		} finally {
			// failing to come back would leave the whole main thread in the wrong namespace
			if (libc.setns(home, CLONE_NEWNET) < 0) throw new NetlinkSocketError('setns back', libc.errno());
		}
	} finally {
		closeSync(home);
	}
}
