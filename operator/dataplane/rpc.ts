// The wire format between a dataplane host (host.ts) and its clients (remote.ts): the C ABI
// of libesplane-dp called by name, generically — no code per function. A call's parameters
// are read off its prototype in NATIVE_DECLS: integers, strings (or null), string arrays,
// `const` pointers (a Buffer sent by content, or null) and other pointers (outputs: only
// their length is sent, the host returns what the call wrote).
//
// frame   = u32le length, then that many bytes (at most MAX_FRAME)
// payload = u32le JSON length, JSON header, then the Buffers' bytes one after another
// request header: {fn, args: Arg[], note?}     blob: the contents of the `in` Buffers
// reply header:   {rc, err?, value?}           blob: the contents of the `out` Buffers
// Key material (esp_dp_sa_put) only ever travels in a blob, never in the JSON header.
import { NATIVE_DECLS, type Native } from './abi.js';

/** a frame larger than this is refused (a reply to sa_stats with 64k SAs stays below it) */
export const MAX_FRAME = 64 << 20;

export type Arg =
	| { i: number }
	| { s: string }
	| { a: string[] }
	| { n: true }
	| { in: number }
	| { out: number };

export type ParamKind = 'int' | 'string' | 'strings' | 'in' | 'out';

export interface RequestHeader {
	fn: string;
	args: Arg[];
	/** a stash entry [key, value or null] the host records when, and only when, the call
	 * succeeds (rc >= 0): in the same step, so no crash can come between the two */
	note?: [string, string | null];
}

export interface ReplyHeader {
	/** the C call's return value (a number, or a string for const char * functions) */
	rc: number | string | null;
	/** the library's last error when rc < 0, or what went wrong before the call */
	err?: string;
	/** host calls (host.hello, host.stash): their answer */
	value?: unknown;
}

const kindCache = new Map<string, ParamKind[]>();

/** {prototype like 'int f(uint16_t, const char *)'} => the kind of each parameter */
export function paramKinds(proto: string): ParamKind[] {
	let kinds = kindCache.get(proto);
	if (kinds) return kinds;
	const inside = /\((.*)\)\s*$/.exec(proto)?.[1]?.trim() ?? '';
	kinds = inside === '' || inside === 'void' ? [] : inside.split(',').map((p): ParamKind => {
		const t = p.trim();
		if (/\*\s*\*/.test(t)) return 'strings';
		if (/\bchar\s*\*/.test(t)) return 'string';
		if (t.includes('*')) return /\bconst\b/.test(t) ? 'in' : 'out';
		return 'int';
	});
	kindCache.set(proto, kinds);
	return kinds;
}

/** {fn name} => its prototype and buffer sizes, or undefined when the ABI has no such function */
export function declOf(fn: string): (typeof NATIVE_DECLS)[keyof Native] | undefined {
	return Object.hasOwn(NATIVE_DECLS, fn) ? NATIVE_DECLS[fn as keyof Native] : undefined;
}

/** {header, blobs} => one frame, length prefix included */
export function encodeFrame(header: RequestHeader | ReplyHeader, blobs: readonly Buffer[] = []): Buffer {
	const json = Buffer.from(JSON.stringify(header));
	const blobBytes = blobs.reduce((n, b) => n + b.length, 0);
	const frame = Buffer.allocUnsafe(8 + json.length + blobBytes);
	frame.writeUInt32LE(4 + json.length + blobBytes, 0);
	frame.writeUInt32LE(json.length, 4);
	json.copy(frame, 8);
	let at = 8 + json.length;
	for (const b of blobs) at += b.copy(frame, at);
	return frame;
}

export class RpcFormatError extends Error {
	override readonly name = 'RpcFormatError';
}

/** {payload (frame without its length prefix)} => the parsed header and the blob after it */
export function decodePayload<T>(payload: Buffer): { header: T; blob: Buffer } {
	if (payload.length < 4) throw new RpcFormatError('payload shorter than its JSON length');
	const n = payload.readUInt32LE(0);
	if (n > payload.length - 4) throw new RpcFormatError(`JSON length ${n} beyond the payload (${payload.length - 4} bytes)`);
	let header: T;
	try {
		header = JSON.parse(payload.subarray(4, 4 + n).toString('utf8')) as T;
	} catch (e) {
		throw new RpcFormatError(`header is not JSON: ${(e as Error).message}`);
	}
	if (typeof header !== 'object' || header === null) throw new RpcFormatError('header is not an object');
	return { header, blob: payload.subarray(4 + n) };
}

/**
 * Accumulates stream data and cuts it into frame payloads. A length above MAX_FRAME throws
 * (the stream cannot be resynchronised after that: the caller closes it).
 */
export class FrameReader {
	private chunks: Buffer[] = [];
	private have = 0;

	push(data: Buffer): void {
		this.chunks.push(data);
		this.have += data.length;
	}

	/** {} => the next complete payload, or undefined until more data came */
	next(): Buffer | undefined {
		if (this.have < 4) return undefined;
		let all = this.chunks[0]!;
		if (this.chunks.length !== 1) {
			all = Buffer.concat(this.chunks);
			for (const c of this.chunks) c.fill(0);
			this.chunks = [all];
		}
		const len = all.readUInt32LE(0);
		if (len > MAX_FRAME) throw new RpcFormatError(`frame of ${len} bytes, more than ${MAX_FRAME}`);
		if (this.have < 4 + len) return undefined;
		const payload = Buffer.from(all.subarray(4, 4 + len));
		const rest = Buffer.from(all.subarray(4 + len));
		all.fill(0);
		this.chunks = rest.length ? [rest] : [];
		this.have = rest.length;
		return payload;
	}

	/** {} => buffered bytes zeroed and dropped (they may hold key material) */
	wipe(): void {
		for (const c of this.chunks) c.fill(0);
		this.chunks = [];
		this.have = 0;
	}

	get pending(): number {
		return this.have;
	}
}
