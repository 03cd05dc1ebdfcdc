// A client of the dataplane host (host.ts): the same `Native` shape as the library loaded
// in-process (abi.ts nativeApi), each function one synchronous request over the host's UNIX
// socket, so KoffiDataplane and capture.ts work unchanged over either (abi.ts useNativeApi).
//
// Synchronous on purpose: the binding's API is synchronous and called from many places, as
// the in-process library calls are. The socket I/O is libc's blocking socket/connect/write/
// read through koffi, bounded by SO_RCVTIMEO/SO_SNDTIMEO so a hung host cannot hang the agent
// for good. A failed exchange closes the connection and marks the host gone: every later
// call fails at once with the reason, so the agent reports it instead of driving a dataplane
// that no longer exists.
import { loadLibc, SOCK_CLOEXEC, SOL_SOCKET, EINTR, EAGAIN } from '../rtnl/libc.js';
import { NATIVE_DECLS, type Native } from './abi.js';
import { DataplaneError } from './error.js';
import type { HostState } from './host.js';
import { decodePayload, encodeFrame, MAX_FRAME, paramKinds, type Arg, type ReplyHeader, type RequestHeader } from './rpc.js';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
const EPIPE = 32;
const ECONNRESET = 104;
/** a dead peer is an error to report, not a SIGPIPE */
const MSG_NOSIGNAL = 0x4000;
const DIED = 'closed the connection (the host process died?)';
const ETIMEDOUT = 110;

export interface HostClient {
	readonly socket: string;
	/** the library's functions, served by the host */
	readonly native: Native;
	/** set once an exchange failed: why the host is considered gone */
	readonly gone: string | undefined;
	hello(): HostState;
	/** this connection drives the host from now on (calls that change it), or throws EBUSY
	 * naming the process that does (driver-seat.ts); reading needs no drive() */
	drive(): void;
	stash(): Record<string, string>;
	stashSet(key: string, value: string | null): void;
	/** {key, value or null} => carried by the next library call and kept by the host only if
	 * that call succeeds (one round trip, and no crash can separate the call from its note) */
	noteNext(key: string, value: string | null): void;
	/** the host shuts the library down (ports, TAPs) and exits */
	shutdownHost(): void;
	close(): void;
}

export interface ConnectOptions {
	/** how long one call may take before the host is given up; default 60 s (EAL init in a slow guest) */
	timeoutMs?: number;
}

function sockaddrUn(path: string): Buffer {
	const p = Buffer.from(path);
	if (p.length > 107) throw new Error(`socket path too long for AF_UNIX (${p.length} > 107 bytes): ${path}`);
	const sa = Buffer.alloc(110);
	sa.writeUInt16LE(AF_UNIX, 0);
	p.copy(sa, 2);
	return sa;
}

/** {socket path} => connected to the host, or throws (ENOENT, ECONNREFUSED: nobody serves it) */
export function connectHost(socket: string, o: ConnectOptions = {}): HostClient {
	const libc = loadLibc();
	let fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) throw new DataplaneError(-libc.errno(), `socket(AF_UNIX): errno ${libc.errno()}`);
	const addr = sockaddrUn(socket);
	if (libc.connect(fd, addr, addr.length) < 0) {
		const errno = libc.errno();
		libc.close(fd);
		throw new DataplaneError(-errno, `no dataplane host answers on ${socket} (errno ${errno})`);
	}
	const ms = o.timeoutMs ?? 60_000;
	const tv = Buffer.alloc(16);
	tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
	tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
	libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
	libc.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, 16);

	let gone: string | undefined;
	const fail = (errno: number, why: string): never => {
		gone ??= why;
		if (fd >= 0) { libc.close(fd); fd = -1; }
		throw new DataplaneError(-errno, `dataplane host at ${socket}: ${why}`);
	};
	const writeAll = (buf: Buffer): void => {
		for (let off = 0; off < buf.length;) {
			const n = Number(libc.send(fd, buf.subarray(off), buf.length - off, MSG_NOSIGNAL));
			if (n < 0) {
				const e = libc.errno();
				if (e === EINTR) continue;
				if (e === EPIPE || e === ECONNRESET) fail(EPIPE, DIED);
				fail(e === EAGAIN ? ETIMEDOUT : e, e === EAGAIN ? `no progress sending for ${ms} ms` : `send failed (errno ${e})`);
			}
			off += n;
		}
	};
	const readExact = (n: number): Buffer => {
		const buf = Buffer.alloc(n);
		for (let off = 0; off < n;) {
			const r = Number(libc.read(fd, buf.subarray(off), n - off));
			if (r === 0) fail(EPIPE, DIED);
			if (r < 0) {
				const e = libc.errno();
				if (e === EINTR) continue;
				if (e === ECONNRESET) fail(EPIPE, DIED);
				fail(e === EAGAIN ? ETIMEDOUT : e, e === EAGAIN ? `no answer within ${ms} ms` : `receive failed (errno ${e})`);
			}
			off += r;
		}
		return buf;
	};
	const request = (h: RequestHeader, blobs: readonly Buffer[] = []): { header: ReplyHeader; blob: Buffer } => {
		if (gone !== undefined || fd < 0) throw new DataplaneError(-EPIPE, `dataplane host at ${socket} is gone: ${gone ?? 'closed'}`);
		const frame = encodeFrame(h, blobs);
		try {
			writeAll(frame);
		} finally {
			frame.fill(0); // a put SA's keys are in it
		}
		const len = readExact(4).readUInt32LE(0);
		if (len > MAX_FRAME) fail(EPIPE, `reply of ${len} bytes, more than ${MAX_FRAME}`);
		const { header, blob } = decodePayload<ReplyHeader>(readExact(len));
		return { header, blob };
	};
	const hostCall = (fn: string, args: Arg[] = []): unknown => {
		const { header } = request({ fn, args });
		if (typeof header.rc === 'number' && header.rc < 0) throw new DataplaneError(header.rc, header.err ?? `${fn} failed`);
		return header.value;
	};

	let lastError = '';
	let pendingNote: [string, string | null] | undefined;
	const entries = Object.entries(NATIVE_DECLS).map(([name, [proto]]): [string, unknown] => {
		if (name === 'lastError') return [name, () => lastError];
		const kinds = paramKinds(proto);
		const fn = (...values: unknown[]): unknown => {
			const args: Arg[] = [];
			const ins: Buffer[] = [];
			const outs: Buffer[] = [];
			kinds.forEach((kind, i) => {
				const v = values[i];
				if (v === null || v === undefined) { args.push(kind === 'int' ? { i: 0 } : { n: true }); return; }
				switch (kind) {
					case 'int': args.push({ i: Number(v) }); break;
					case 'string': args.push({ s: String(v) }); break;
					case 'strings': args.push({ a: (v as unknown[]).map(String) }); break;
					case 'in': args.push({ in: (v as Buffer).length }); ins.push(v as Buffer); break;
					case 'out': args.push({ out: (v as Buffer).length }); outs.push(v as Buffer); break;
				}
			});
			const note = pendingNote;
			pendingNote = undefined;
			const { header, blob } = request({ fn: name, args, ...(note ? { note } : {}) }, ins);
			let at = 0;
			for (const o of outs) at += blob.copy(o, 0, at, at + o.length);
			blob.fill(0);
			if (typeof header.rc === 'number' && header.rc < 0) lastError = header.err ?? '';
			return header.rc;
		};
		return [name, fn];
	});
	const native = Object.fromEntries(entries) as unknown as Native;

	return {
		socket,
		native,
		get gone() { return gone; },
		hello: () => hostCall('host.hello') as HostState,
		// our pid as we see it: the host names it when it runs in another pid namespace
		drive: () => { hostCall('host.drive', [{ i: process.pid }]); },
		stash: () => hostCall('host.stashGet') as Record<string, string>,
		stashSet: (key, value) => { hostCall('host.stashSet', [{ s: key }, value === null ? { n: true } : { s: value }]); },
		noteNext: (key, value) => { pendingNote = [key, value]; },
		shutdownHost: () => { hostCall('host.shutdown'); },
		close: () => {
			if (fd >= 0) libc.close(fd);
			fd = -1;
			gone ??= 'closed by this process';
		},
	};
}
