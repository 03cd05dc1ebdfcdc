// Scrubbing of key material from anything about to be logged. The logger applies it to every
// merge object, every binding, every message string and every serialized error, so a careless
// `log.info({sa}, 'x')` with a full SA (keys included) still cannot leak. Two independent
// nets: by field name (anything that looks like a key/psk/secret) and by value (long 0x-hex
// strings, PEM private keys, raw byte buffers).

export const REDACTED = '[REDACTED]';

// Field names whose values are secrets. Normalised to lower case without '_' / '-' before the
// test. A name that *ends* in one of these words is secret (encKey, authKey, ikePsk,
// clientSecret, privateKey); names that merely contain it (keyId, keyBits, secretName,
// secretRef) stay readable because they name or size a secret, they are not one.
const SECRET_SUFFIXES = ['key', 'keys', 'psk', 'secret', 'secrets', 'password', 'passphrase', 'token', 'keymat', 'sharedkey'];

export function isSecretFieldName(name: string): boolean {
	const n = name.toLowerCase().replace(/[_-]/g, '');
	return SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

// Key-looking values. The shortest key esplane handles is AES-128 (16 bytes = 32 hex digits);
// SPIs (8 digits), sequence numbers (16 with ESN) and request ids stay well below 24 digits,
// so 24 hex digits after 0x is the line between "identifier" and "possibly a key".
const HEX_KEY = /0x[0-9a-fA-F]{24,}/g;
// A run of 32+ hex digits without 0x (ip xfrm / swanctl style, or a key pasted as-is).
const BARE_HEX_KEY = /(?<![0-9a-zA-Z])[0-9a-fA-F]{32,}(?![0-9a-zA-Z])/g;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export function scrubString(s: string): string {
	if (s.length < 24) return s;
	return s.replace(PEM_PRIVATE, REDACTED).replace(HEX_KEY, REDACTED).replace(BARE_HEX_KEY, REDACTED);
}

const MAX_DEPTH = 8;

// Returns a scrubbed copy; never mutates the caller's object (it may be a live SA). Errors are
// kept as they are: the logger's error serializer scrubs them after pino has flattened them.
export function scrubValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
	if (typeof value === 'string') return scrubString(value);
	if (value === null || typeof value !== 'object') return value;
	if (value instanceof Error) return value;
	if (value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView) {
		// Raw bytes in a log line are almost always key or packet material; keep only the size.
		return `[bytes:${value.byteLength}]`;
	}
	if (value instanceof Date) return value;
	if (seen.has(value)) return '[Circular]';
	if (depth >= MAX_DEPTH) return '[Object]';
	seen.add(value);
	if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1, seen));
	if (value instanceof Map) {
		const out: Record<string, unknown> = {};
		for (const [k, v] of value) out[String(k)] = isSecretFieldName(String(k)) ? REDACTED : scrubValue(v, depth + 1, seen);
		return out;
	}
	const out: Record<string, unknown> = {};
	const src = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
	if (src === null || typeof src !== 'object') return scrubValue(src, depth + 1, seen);
	for (const [k, v] of Object.entries(src)) {
		out[k] = isSecretFieldName(k) && v !== undefined && v !== null && v !== '' ? REDACTED : scrubValue(v, depth + 1, seen);
	}
	return out;
}

export function scrubObject(obj: Record<string, unknown>): Record<string, unknown> {
	return scrubValue(obj) as Record<string, unknown>;
}
