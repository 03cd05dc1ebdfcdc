// A fixed-layout C struct as a pair of functions over a Buffer. Offsets and sizes are those of
// x86_64 Linux (include/uapi/linux/xfrm.h); the fixture tests check them against real kernel
// messages. decodeStruct checks the bounds once, so the field reads below never go out of range.
import { need } from './errors.js';

export interface StructCodec<T> {
	name: string;
	size: number;
	decode(b: Buffer, off: number): T;
	/** writes every byte of the struct, padding included (as zero) */
	encode(v: T, b: Buffer, off: number): void;
}

export function decodeStruct<T>(c: StructCodec<T>, b: Buffer, off = 0, end = b.length): T {
	need(c.name, end, off, c.size);
	return c.decode(b, off);
}

export function encodeStruct<T>(c: StructCodec<T>, v: T): Buffer {
	const b = Buffer.alloc(c.size);
	c.encode(v, b, 0);
	return b;
}
