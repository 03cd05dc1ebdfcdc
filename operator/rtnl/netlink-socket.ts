// A netlink socket of any protocol (NETLINK_ROUTE here; NETLINK_XFRM can use the same class)
// opened through koffi, that never blocks Node's event loop.
//
// Why poll() on a worker thread: Node cannot wrap a netlink fd in a net.Socket (libuv sees an
// unknown handle type), and a timer that polls recv() either wastes wake-ups or adds latency.
// So the fd is non-blocking, the process's FdPoller waits for it in poll() on a thread-pool
// thread (koffi `.async`), and the main thread drains it with recv(MSG_DONTWAIT).
//
// Requests run one at a time (the kernel allows one dump per socket). Replies are matched by
// port id and sequence number; everything else — multicast notifications, including the ones
// our own requests cause — goes to the message listeners. A receive-buffer overflow (ENOBUFS,
// a truncated datagram, NLMSG_OVERRUN) means notifications were lost: the overrun listeners
// are told, and a level-based user re-dumps.
import { createLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST } from './codec/constants.js';
import { decodeError, splitMessages } from './codec/netlink.js';
import type { NlHeader, NlMessage } from './codec/netlink.js';
import { NetlinkRequestError, NetlinkSocketError, isRtnlDecodeError } from './errors.js';
import { sharedPoller } from './fd-poller.js';
import type { FdPoller } from './fd-poller.js';
import {
	AF_NETLINK, EAGAIN, EINTR, ENOBUFS, MSG_DONTWAIT, MSG_TRUNC,
	NETLINK_ADD_MEMBERSHIP, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, loadLibc,
} from './libc.js';
import type { Libc } from './libc.js';
import { inNetns } from './netns.js';

const EBADF = 9;
const ETIMEDOUT = 110;
const RECV_BUFFER = 256 * 1024;
/** datagrams drained per poll wake-up before yielding to the event loop */
const DRAIN_BATCH = 64;

export interface NetlinkSocketOptions {
	/** NETLINK_ROUTE = 0, NETLINK_XFRM = 6, … */
	protocol: number;
	/** multicast groups as the legacy nl_groups bit mask (RTMGRP_*, XFRMGRP_*) */
	groups?: number;
	/** open the socket inside this named network namespace (/run/netns/NAME) */
	netns?: string;
	/** receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF) */
	rcvbuf?: number;
	/** how long a request may wait for its answer (ms); default 5000 */
	requestTimeoutMs?: number;
	/** default: the process's shared poller */
	poller?: FdPoller;
	logger?: Logger;
}

export interface NetlinkReply {
	/** the reply messages, NLMSG_DONE / the ACK left out */
	messages: NlMessage[];
	/** the kernel flagged the dump as inconsistent (NLM_F_DUMP_INTR): the table changed under it */
	interrupted: boolean;
}

interface Pending {
	seq: number;
	type: number;
	dump: boolean;
	messages: NlMessage[];
	interrupted: boolean;
	resolve: (r: NetlinkReply) => void;
	reject: (e: Error) => void;
	timer: NodeJS.Timeout;
}

export class NetlinkSocket {
	readonly portid: number;
	private readonly libc: Libc;
	private readonly fd: number;
	private readonly poller: FdPoller;
	private readonly rbuf = Buffer.alloc(RECV_BUFFER);
	private readonly log: Logger;
	private readonly timeoutMs: number;
	private readonly messageListeners = new Set<(m: NlMessage) => void>();
	private readonly overrunListeners = new Set<() => void>();
	private seq = Math.floor(Date.now() / 1000) >>> 0;
	private pending: Pending | undefined;
	private queue: Promise<unknown> = Promise.resolve();
	private closed = false;
	/** counters for logs and tests */
	readonly stats = { overruns: 0, decodeErrors: 0, staleReplies: 0 };

	constructor(opts: NetlinkSocketOptions) {
		this.libc = loadLibc();
		this.log = opts.logger ?? createLogger('netlink');
		this.timeoutMs = opts.requestTimeoutMs ?? 5000;
		const libc = this.libc;
		this.fd = inNetns(opts.netns, () => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, opts.protocol));
		if (this.fd < 0) throw new NetlinkSocketError('socket', libc.errno());
		try {
			if (opts.rcvbuf !== undefined) this.setRcvbuf(opts.rcvbuf);
			const sa = Buffer.alloc(12); // struct sockaddr_nl
			sa.writeUInt16LE(AF_NETLINK, 0);
			sa.writeUInt32LE((opts.groups ?? 0) >>> 0, 8);
			if (libc.bind(this.fd, sa, sa.length) < 0) throw new NetlinkSocketError('bind', libc.errno());
			const len = Buffer.alloc(4);
			len.writeUInt32LE(sa.length, 0);
			if (libc.getsockname(this.fd, sa, len) < 0) throw new NetlinkSocketError('getsockname', libc.errno());
			this.portid = sa.readUInt32LE(4);
		} catch (e) {
			libc.close(this.fd);
			throw e;
		}
		this.poller = opts.poller ?? sharedPoller();
		this.poller.watch(this.fd, () => this.drain());
	}

	/** {group number} => joined (NETLINK_ADD_MEMBERSHIP: groups past 32 that `groups` cannot express) */
	joinGroup(group: number): void {
		const v = Buffer.alloc(4);
		v.writeUInt32LE(group >>> 0, 0);
		if (this.libc.setsockopt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v, 4) < 0) {
			throw new NetlinkSocketError(`NETLINK_ADD_MEMBERSHIP ${group}`, this.libc.errno());
		}
	}

	/** Multicast notifications (and anything not a reply to our request). */
	onMessage(fn: (m: NlMessage) => void): () => void {
		this.messageListeners.add(fn);
		return () => this.messageListeners.delete(fn);
	}

	/** Notifications were lost (ENOBUFS): the listener should re-dump. */
	onOverrun(fn: () => void): () => void {
		this.overrunListeners.add(fn);
		return () => this.overrunListeners.delete(fn);
	}

	/**
	 * {type, flags, encode(header) => message} => the reply. NLM_F_REQUEST is added; a dump
	 * (NLM_F_DUMP) collects until NLMSG_DONE, anything else asks for an ACK. A negative errno
	 * rejects with NetlinkRequestError.
	 */
	request(type: number, flags: number, encode: (h: NlHeader) => Buffer): Promise<NetlinkReply> {
		const run = (): Promise<NetlinkReply> => this.send(type, flags, encode);
		const p = this.queue.then(run, run);
		this.queue = p.catch(() => undefined);
		return p;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.failPending(new NetlinkSocketError('request on a closed socket', EBADF));
		this.poller.unwatch(this.fd, () => this.libc.close(this.fd));
	}

	private setRcvbuf(bytes: number): void {
		const v = Buffer.alloc(4);
		v.writeInt32LE(bytes, 0);
		if (this.libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUFFORCE, v, 4) === 0) return;
		if (this.libc.setsockopt(this.fd, SOL_SOCKET, SO_RCVBUF, v, 4) < 0) throw new NetlinkSocketError('setsockopt SO_RCVBUF', this.libc.errno());
	}

	private send(type: number, flags: number, encode: (h: NlHeader) => Buffer): Promise<NetlinkReply> {
		if (this.closed) return Promise.reject(new NetlinkSocketError('request on a closed socket', EBADF));
		const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
		this.seq = (this.seq + 1) >>> 0 || 1;
		const h: NlHeader = { type, flags: flags | NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK), seq: this.seq, pid: this.portid };
		const msg = encode(h);
		return new Promise<NetlinkReply>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending = undefined;
				reject(new NetlinkSocketError(`request type ${type} timed out`, ETIMEDOUT));
			}, this.timeoutMs);
			this.pending = { seq: h.seq, type, dump, messages: [], interrupted: false, resolve, reject, timer };
			const n = this.libc.send(this.fd, msg, msg.length, 0);
			if (n !== msg.length) {
				const errno = n < 0 ? this.libc.errno() : EAGAIN;
				this.settle(new NetlinkSocketError('send', errno));
			}
		});
	}

	private settle(result: Error | NetlinkReply): void {
		const p = this.pending;
		if (!p) return;
		this.pending = undefined;
		clearTimeout(p.timer);
		if (result instanceof Error) p.reject(result);
		else p.resolve(result);
	}

	private failPending(e: Error): void {
		this.settle(e);
	}

	private drain(): void {
		for (let i = 0; i < DRAIN_BATCH && !this.closed; i++) {
			const n = this.libc.recv(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC);
			if (n < 0) {
				const errno = this.libc.errno();
				if (errno === EAGAIN) return;
				if (errno === EINTR) continue;
				if (errno === ENOBUFS) {
					this.overrun('ENOBUFS');
					continue;
				}
				this.log.error({ errno }, 'netlink recv failed');
				return;
			}
			if (n > this.rbuf.length) {
				this.overrun('truncated datagram');
				continue;
			}
			// a copy: the receive buffer is reused, replies are kept until a dump completes
			const datagram = Buffer.from(this.rbuf.subarray(0, n));
			let messages: NlMessage[];
			try {
				messages = splitMessages(datagram);
			} catch (e) {
				if (!isRtnlDecodeError(e)) throw e;
				this.stats.decodeErrors++;
				this.log.warn({ err: e, bytes: n }, 'netlink datagram dropped');
				continue;
			}
			for (const m of messages) this.dispatch(m);
		}
	}

	private overrun(why: string): void {
		this.stats.overruns++;
		this.log.warn({ why, overruns: this.stats.overruns }, 'netlink receive buffer overrun');
		for (const fn of this.overrunListeners) this.call(() => fn());
	}

	// a throwing listener is logged, never allowed to unwind through the poll callback
	private call(fn: () => void): void {
		try {
			fn();
		} catch (err) {
			this.log.error({ err }, 'netlink listener failed');
		}
	}

	private dispatch(m: NlMessage): void {
		if (m.type === NLMSG_OVERRUN) {
			this.overrun('NLMSG_OVERRUN');
			return;
		}
		const p = this.pending;
		const ours = m.pid === this.portid || m.pid === 0;
		if (p && ours && m.seq === p.seq) {
			if (m.type === NLMSG_ERROR) {
				const error = this.safe(() => decodeError(m.payload));
				if (error === undefined) return;
				if (error < 0) this.settle(new NetlinkRequestError(-error, p.type));
				else this.settle({ messages: p.messages, interrupted: p.interrupted });
				return;
			}
			if (p.dump) {
				if ((m.flags & NLM_F_DUMP_INTR) !== 0) p.interrupted = true;
				if (m.type === NLMSG_DONE) {
					// NLMSG_DONE carries an int: a negative errno when the dump itself failed
					const error = m.payload.length >= 4 ? m.payload.readInt32LE(0) : 0;
					if (error < 0) this.settle(new NetlinkRequestError(-error, p.type));
					else this.settle({ messages: p.messages, interrupted: p.interrupted });
				} else {
					p.messages.push(m);
				}
				return;
			}
			// not a dump: a notification our own request caused carries our seq too
		}
		if (m.pid === this.portid && (m.type === NLMSG_ERROR || m.type === NLMSG_DONE || (m.flags & NLM_F_MULTI) !== 0)) {
			this.stats.staleReplies++; // the answer to a request that timed out
			return;
		}
		if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE) return;
		for (const fn of this.messageListeners) this.call(() => fn(m));
	}

	private safe<T>(fn: () => T): T | undefined {
		try {
			return fn();
		} catch (e) {
			if (!isRtnlDecodeError(e)) throw e;
			this.stats.decodeErrors++;
			this.log.warn({ err: e }, 'netlink message dropped');
			return undefined;
		}
	}
}
