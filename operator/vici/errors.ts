// The typed errors of the VICI client. One class per failure a caller handles differently:
// bad bytes on the wire, a message we refuse to build, a connection that is gone, a command
// or event charon does not know, and a command charon ran and refused (its `errmsg`).

/** Bytes from the socket that are not a well-formed VICI packet or message. */
export class ViciDecodeError extends Error {
	override readonly name = 'ViciDecodeError';
	constructor(
		message: string,
		/** Offset into the message where decoding stopped. */
		readonly offset: number,
	) {
		super(message);
	}
}

/** A message that cannot be put on the wire (name too long, value too long, too large). */
export class ViciEncodeError extends Error {
	override readonly name = 'ViciEncodeError';
}

/** The socket is closed, could not be opened, or closed while a command was outstanding. */
export class ViciConnectionError extends Error {
	override readonly name = 'ViciConnectionError';
}

/** charon answered CMD_UNKNOWN / EVENT_UNKNOWN: the plugin does not know this name. */
export class ViciUnknownError extends Error {
	override readonly name = 'ViciUnknownError';
	constructor(
		readonly kind: 'command' | 'event',
		readonly what: string,
	) {
		super(`charon does not know the ${kind} '${what}'`);
	}
}

/** A command charon ran and answered with `success = no`; carries charon's `errmsg`. */
export class ViciCommandError extends Error {
	override readonly name = 'ViciCommandError';
	constructor(
		readonly command: string,
		readonly errmsg: string,
	) {
		super(`${command} failed: ${errmsg}`);
	}
}

/** A command that got no response within its time limit. */
export class ViciTimeoutError extends Error {
	override readonly name = 'ViciTimeoutError';
	constructor(
		readonly command: string,
		readonly timeoutMs: number,
	) {
		super(`${command}: no response within ${timeoutMs} ms`);
	}
}

export const isViciDecodeError = (e: unknown): e is ViciDecodeError => e instanceof ViciDecodeError;
export const isViciEncodeError = (e: unknown): e is ViciEncodeError => e instanceof ViciEncodeError;
export const isViciConnectionError = (e: unknown): e is ViciConnectionError => e instanceof ViciConnectionError;
export const isViciUnknownError = (e: unknown): e is ViciUnknownError => e instanceof ViciUnknownError;
export const isViciCommandError = (e: unknown): e is ViciCommandError => e instanceof ViciCommandError;
export const isViciTimeoutError = (e: unknown): e is ViciTimeoutError => e instanceof ViciTimeoutError;
