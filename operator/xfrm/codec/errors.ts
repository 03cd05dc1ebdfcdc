// The one error the XFRM decoder throws: bad bytes from the kernel (or a fuzzer) become this,
// never a RangeError from a DataView or a half-built object.

export class XfrmDecodeError extends Error {
	override readonly name = 'XfrmDecodeError';
	constructor(
		/** what was being decoded, e.g. "xfrm_usersa_info" or "XFRMA_ALG_AEAD" */
		readonly what: string,
		reason: string,
	) {
		super(`cannot decode ${what}: ${reason}`);
	}
}

export function isXfrmDecodeError(e: unknown): e is XfrmDecodeError {
	return e instanceof XfrmDecodeError;
}

/** Throws unless `len` bytes are available at `off` of a `total`-byte buffer. */
export function need(what: string, total: number, off: number, len: number): void {
	if (off < 0 || len < 0 || off + len > total) {
		throw new XfrmDecodeError(what, `needs ${len} bytes at offset ${off}, have ${Math.max(0, total - off)}`);
	}
}
