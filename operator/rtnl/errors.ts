// The typed errors of the rtnetlink side. Bad bytes (from the kernel or a fuzzer) become an
// RtnlDecodeError, never a RangeError from a Buffer read or a half-built object; a request the
// kernel refused becomes a NetlinkRequestError carrying the errno.

/** Bytes that are not a well-formed netlink / rtnetlink message. */
export class RtnlDecodeError extends Error {
	override readonly name = 'RtnlDecodeError';
	constructor(
		/** what was being decoded, e.g. "ndmsg" or "NDA_LLADDR" */
		readonly what: string,
		reason: string,
	) {
		super(`cannot decode ${what}: ${reason}`);
	}
}

export function isRtnlDecodeError(e: unknown): e is RtnlDecodeError {
	return e instanceof RtnlDecodeError;
}

/** A value we refuse to put on the wire (a malformed address, an out-of-range field). */
export class RtnlEncodeError extends Error {
	override readonly name = 'RtnlEncodeError';
}

export function isRtnlEncodeError(e: unknown): e is RtnlEncodeError {
	return e instanceof RtnlEncodeError;
}

/** The kernel answered a request with NLMSG_ERROR and a negative errno. */
export class NetlinkRequestError extends Error {
	override readonly name = 'NetlinkRequestError';
	constructor(
		/** positive errno, e.g. 17 (EEXIST) */
		readonly errno: number,
		/** the request's message type */
		readonly requestType: number,
	) {
		super(`netlink request type ${requestType} failed: errno ${errno}`);
	}
}

export function isNetlinkRequestError(e: unknown): e is NetlinkRequestError {
	return e instanceof NetlinkRequestError;
}

/** A system call on the netlink socket failed (socket, bind, send, recv, setns). */
export class NetlinkSocketError extends Error {
	override readonly name = 'NetlinkSocketError';
	constructor(
		readonly call: string,
		/** positive errno */
		readonly errno: number,
	) {
		super(`${call} failed: errno ${errno}`);
	}
}

export function isNetlinkSocketError(e: unknown): e is NetlinkSocketError {
	return e instanceof NetlinkSocketError;
}

/** Throws unless `len` bytes are available at `off` of a `total`-byte buffer. */
export function need(what: string, total: number, off: number, len: number): void {
	if (off < 0 || len < 0 || off + len > total) {
		throw new RtnlDecodeError(what, `needs ${len} bytes at offset ${off}, have ${Math.max(0, total - off)}`);
	}
}
