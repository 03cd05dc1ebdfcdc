// struct xfrm_algo (ALG_CRYPT, ALG_AUTH), xfrm_algo_auth (ALG_AUTH_TRUNC), xfrm_algo_aead
// (ALG_AEAD): a 64-byte NUL-terminated name, a key length in bits, (a truncation/ICV length
// in bits), then the key bytes. Keys stay in Buffers so their owner can zero them.
import { XfrmDecodeError, need } from './errors.js';

const NAME_SIZE = 64;

export interface XfrmAlgo {
	name: string;
	keyBits: number;
	key: Buffer;
}

export interface XfrmAlgoAuth extends XfrmAlgo {
	truncBits: number;
}

export interface XfrmAlgoAead extends XfrmAlgo {
	icvBits: number;
}

function readName(what: string, b: Buffer, off: number): string {
	const raw = b.subarray(off, off + NAME_SIZE);
	const nul = raw.indexOf(0);
	if (nul < 0) throw new XfrmDecodeError(what, 'algorithm name is not NUL-terminated');
	return raw.subarray(0, nul).toString('latin1');
}

function readKey(what: string, b: Buffer, off: number, end: number, keyBits: number): Buffer {
	const keyBytes = Math.ceil(keyBits / 8);
	need(`${what} key`, end, off, keyBytes);
	// A copy from Node's small-buffer pool: one allocation per key would cost a backing store
	// each (10,000s at a full sync); zeroing the slice still wipes exactly this key.
	const key = Buffer.allocUnsafe(keyBytes);
	b.copy(key, 0, off, off + keyBytes);
	return key;
}

function writeHead(b: Buffer, v: XfrmAlgo): void {
	if (Buffer.byteLength(v.name, 'latin1') >= NAME_SIZE) throw new RangeError(`algorithm name too long: ${v.name}`);
	b.write(v.name, 0, 'latin1');
	b.writeUInt32LE(v.keyBits, NAME_SIZE);
}

/** xfrm_algo: 68 bytes + key */
export function decodeAlgo(b: Buffer, off: number, len: number): XfrmAlgo {
	const end = off + len;
	need('xfrm_algo', end, off, 68);
	const keyBits = b.readUInt32LE(off + NAME_SIZE);
	return { name: readName('xfrm_algo', b, off), keyBits, key: readKey('xfrm_algo', b, off + 68, end, keyBits) };
}

export function encodeAlgo(v: XfrmAlgo): Buffer {
	const b = Buffer.alloc(68 + v.key.length);
	writeHead(b, v);
	v.key.copy(b, 68);
	return b;
}

/** xfrm_algo_auth: 72 bytes + key */
export function decodeAlgoAuth(b: Buffer, off: number, len: number): XfrmAlgoAuth {
	const end = off + len;
	need('xfrm_algo_auth', end, off, 72);
	const keyBits = b.readUInt32LE(off + NAME_SIZE);
	return {
		name: readName('xfrm_algo_auth', b, off),
		keyBits,
		truncBits: b.readUInt32LE(off + 68),
		key: readKey('xfrm_algo_auth', b, off + 72, end, keyBits),
	};
}

export function encodeAlgoAuth(v: XfrmAlgoAuth): Buffer {
	const b = Buffer.alloc(72 + v.key.length);
	writeHead(b, v);
	b.writeUInt32LE(v.truncBits, 68);
	v.key.copy(b, 72);
	return b;
}

/** xfrm_algo_aead: 72 bytes + key (salt included) */
export function decodeAlgoAead(b: Buffer, off: number, len: number): XfrmAlgoAead {
	const end = off + len;
	need('xfrm_algo_aead', end, off, 72);
	const keyBits = b.readUInt32LE(off + NAME_SIZE);
	return {
		name: readName('xfrm_algo_aead', b, off),
		keyBits,
		icvBits: b.readUInt32LE(off + 68),
		key: readKey('xfrm_algo_aead', b, off + 72, end, keyBits),
	};
}

export function encodeAlgoAead(v: XfrmAlgoAead): Buffer {
	const b = Buffer.alloc(72 + v.key.length);
	writeHead(b, v);
	b.writeUInt32LE(v.icvBits, 68);
	v.key.copy(b, 72);
	return b;
}
