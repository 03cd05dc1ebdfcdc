// A NETLINK_XFRM socket opened through koffi (libc's socket/bind/send/recv), non-blocking.
//
// Node's event loop must never wait in the kernel, so the socket is O_NONBLOCK and is only
// read when readable: `waitReadable` hands the fd to the process's shared FdPoller (one
// poll(2) for every netlink socket, on one libuv pool thread) and resolves on the main thread
// when data (or the timeout) is there. Then `receive` drains with recv(MSG_DONTWAIT) on the
// main thread. This keeps every decoded message on the main thread with no copies across
// threads. The fd is watched only while someone waits: poll is level-triggered, so a watched
// fd with unread data would wake the poller in a loop.
import koffi from 'koffi';
import { sharedPoller } from '../rtnl/fd-poller.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUFFORCE = 32;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const MSG_DONTWAIT = 0x40;

export const EAGAIN = 11;
export const ENOBUFS = 105;
const EINTR = 4;

export class XfrmSocketError extends Error {
	override readonly name = 'XfrmSocketError';
	constructor(readonly call: string, readonly errno: number) {
		super(`${call} failed: errno ${errno}`);
	}
}

export function isXfrmSocketError(e: unknown): e is XfrmSocketError {
	return e instanceof XfrmSocketError;
}

interface Libc {
	socket: (domain: number, type: number, proto: number) => number;
	bind: (fd: number, addr: Buffer, len: number) => number;
	setsockopt: (fd: number, level: number, name: number, val: Buffer, len: number) => number;
	send: (fd: number, buf: Buffer, len: number, flags: number) => number;
	recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
	close: (fd: number) => number;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
	if (libc) return libc;
	const lib = koffi.load('libc.so.6');
	libc = {
		socket: lib.func('int socket(int, int, int)') as Libc['socket'],
		bind: lib.func('int bind(int, const void *, uint32_t)') as Libc['bind'],
		setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as Libc['setsockopt'],
		send: lib.func('long send(int, const void *, size_t, int)') as Libc['send'],
		recv: lib.func('long recv(int, void *, size_t, int)') as Libc['recv'],
		close: lib.func('int close(int)') as Libc['close'],
	};
	return libc;
}

export interface XfrmSocketOptions {
	/** multicast groups to join (XFRMNLGRP_*) */
	groups?: number[];
	/** receive buffer in bytes; large, so a burst of events does not overrun (default 8 MiB) */
	rcvbuf?: number;
}

/** Result of one drain: the datagrams read, and whether the kernel dropped some (ENOBUFS). */
export interface Received {
	datagrams: Buffer[];
	overrun: boolean;
}

export class XfrmSocket {
	readonly fd: number;
	private readonly c: Libc;
	private readonly buf = Buffer.alloc(1 << 20);
	private closed = false;
	/** the pending waitReadable's completion */
	private waiting: (() => void) | undefined;

	constructor(opts: XfrmSocketOptions = {}) {
		this.c = loadLibc();
		const fd = this.c.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 6);
		if (fd < 0) throw new XfrmSocketError('socket(AF_NETLINK, NETLINK_XFRM)', koffi.errno());
		this.fd = fd;
		try {
			const sa = Buffer.alloc(12);
			sa.writeUInt16LE(AF_NETLINK, 0);
			if (this.c.bind(fd, sa, sa.length) < 0) throw new XfrmSocketError('bind', koffi.errno());
			const size = Buffer.alloc(4);
			size.writeInt32LE(opts.rcvbuf ?? 8 << 20, 0);
			// FORCE needs CAP_NET_ADMIN, which the agent has; without it the default stays.
			this.c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4);
			size.writeInt32LE(4 << 20, 0);
			this.c.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4);
			for (const g of opts.groups ?? []) {
				const v = Buffer.alloc(4);
				v.writeInt32LE(g, 0);
				if (this.c.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v, 4) < 0) {
					throw new XfrmSocketError(`NETLINK_ADD_MEMBERSHIP ${g}`, koffi.errno());
				}
			}
		} catch (e) {
			this.c.close(fd);
			throw e;
		}
	}

	/** {message bytes} => sent to the kernel (netlink sends to the kernel do not block) */
	send(msg: Buffer): void {
		for (;;) {
			const n = this.c.send(this.fd, msg, msg.length, 0);
			if (n >= 0) return;
			const err = koffi.errno();
			if (err !== EINTR) throw new XfrmSocketError('send', err);
		}
	}

	/** {} => every datagram queued right now, without waiting */
	receive(): Received {
		const datagrams: Buffer[] = [];
		let overrun = false;
		for (;;) {
			const n = this.c.recv(this.fd, this.buf, this.buf.length, MSG_DONTWAIT);
			if (n > 0) {
				datagrams.push(Buffer.from(this.buf.subarray(0, n)));
				continue;
			}
			if (n === 0) break;
			const err = koffi.errno();
			if (err === EINTR) continue;
			if (err === EAGAIN) break;
			// The kernel dropped messages because our queue was full: the caller must re-dump.
			if (err === ENOBUFS) { overrun = true; continue; }
			throw new XfrmSocketError('recv', err);
		}
		return { datagrams, overrun };
	}

	/** {timeout} => resolves when the socket is readable, the timeout passed or the socket closed */
	waitReadable(timeoutMs: number): Promise<void> {
		return new Promise(resolve => {
			if (this.closed) { resolve(); return; }
			const poller = sharedPoller();
			let timer: NodeJS.Timeout | undefined;
			const done = (): void => {
				if (this.waiting !== done) return;
				this.waiting = undefined;
				clearTimeout(timer);
				poller.unwatch(this.fd, () => {});
				resolve();
			};
			this.waiting?.();
			this.waiting = done;
			timer = setTimeout(done, timeoutMs);
			poller.watch(this.fd, done);
		});
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.waiting?.();
		// closed once no poll() refers to the fd any more, so its number is never reused under it
		sharedPoller().unwatch(this.fd, () => this.c.close(this.fd));
	}

	get isClosed(): boolean {
		return this.closed;
	}
}
