// The one error the dataplane binding throws: a negative errno from the C ABI plus the
// library's own message, which names the offending field.

export class DataplaneError extends Error {
	override readonly name = 'DataplaneError';
	/** negative errno as returned by the C call */
	readonly code: number;

	constructor(code: number, message: string) {
		super(message);
		this.code = code;
	}
}

export function isDataplaneError(e: unknown): e is DataplaneError {
	return e instanceof DataplaneError;
}
