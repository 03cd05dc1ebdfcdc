// The forwarding mirror's typed error: a request for a port it does not mirror.

export class UnknownPortError extends Error {
	override readonly name = 'UnknownPortError';
	constructor(readonly port: string) {
		super(`no exception interface is mirrored for port ${JSON.stringify(port)}`);
	}
}

export function isUnknownPortError(e: unknown): e is UnknownPortError {
	return e instanceof UnknownPortError;
}
