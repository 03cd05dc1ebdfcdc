// Waits for non-blocking fds to become readable without blocking Node's event loop: one
// poll() over all watched fds runs on a libuv thread-pool thread through koffi's `.async`, and
// when it returns the main thread calls each readable fd's handler, then polls again.
//
// One poller per process (sharedPoller) rather than one per socket: every pending `.async` call
// parks a thread of libuv's pool (4 threads by default, shared with fs and dns), so the
// NETLINK_ROUTE and NETLINK_XFRM sockets together cost one thread, not one each.
// An eventfd in the set wakes the poll when the set changes; an fd is closed only after the
// poll that watched it has returned (`unwatch(fd, then)`), so a number is never reused under it.
import { createLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { NetlinkSocketError } from './errors.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, POLLIN, loadLibc } from './libc.js';
import type { Libc } from './libc.js';

const POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }

export class FdPoller {
	private readonly libc: Libc;
	private readonly log: Logger;
	private readonly watched = new Map<number, () => void>();
	/** work that must wait until no poll() references the fd any more */
	private readonly afterPoll: (() => void)[] = [];
	private wakeFd = -1;
	private polling = false;

	constructor(logger?: Logger) {
		this.libc = loadLibc();
		this.log = logger ?? createLogger('fd-poller');
	}

	/** {fd, handler} => handler runs on the main thread whenever fd is readable (or has an error) */
	watch(fd: number, onReadable: () => void): void {
		this.watched.set(fd, onReadable);
		if (this.polling) this.wake();
		else this.arm();
	}

	/** {fd, then} => fd no longer watched; `then` runs once no poll() uses it (close it there) */
	unwatch(fd: number, then: () => void): void {
		this.watched.delete(fd);
		if (this.polling) {
			this.afterPoll.push(then);
			this.wake();
		} else {
			then();
		}
	}

	private wake(): void {
		const one = Buffer.alloc(8);
		one.writeBigUInt64LE(1n, 0);
		this.libc.write(this.wakeFd, one, 8);
	}

	private arm(): void {
		if (this.polling) return;
		if (this.watched.size === 0) {
			// nothing to wait for: no thread parked, nothing keeping the process alive
			if (this.wakeFd >= 0) this.libc.close(this.wakeFd);
			this.wakeFd = -1;
			return;
		}
		if (this.wakeFd < 0) {
			this.wakeFd = this.libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (this.wakeFd < 0) throw new NetlinkSocketError('eventfd', this.libc.errno());
		}
		const fds = [this.wakeFd, ...this.watched.keys()];
		const set = Buffer.alloc(fds.length * POLLFD_SIZE);
		fds.forEach((fd, i) => {
			set.writeInt32LE(fd, i * POLLFD_SIZE);
			set.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
		});
		this.polling = true;
		this.libc.poll.async(set, fds.length, -1, (err: unknown) => {
			this.polling = false;
			this.libc.read(this.wakeFd, Buffer.alloc(8), 8); // reset the eventfd counter
			for (const fn of this.afterPoll.splice(0)) this.call(fn);
			for (let i = 1; i < fds.length; i++) {
				const revents = set.readInt16LE(i * POLLFD_SIZE + 6);
				const handler = this.watched.get(fds[i] ?? -1);
				if (revents !== 0 && handler) this.call(handler);
			}
			if (err) {
				this.log.error({ err }, 'poll failed');
				setTimeout(() => this.arm(), 100).unref();
			} else {
				this.arm();
			}
		});
	}

	// a throwing handler is logged, never allowed to unwind through the poll callback
	private call(fn: () => void): void {
		try {
			fn();
		} catch (err) {
			this.log.error({ err }, 'fd handler failed');
		}
	}
}

let shared: FdPoller | undefined;

/** The process's poller (see the top of this file for why there is one). */
export function sharedPoller(): FdPoller {
	shared ??= new FdPoller();
	return shared;
}
