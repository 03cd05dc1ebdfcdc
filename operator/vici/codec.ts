// The VICI wire format (strongSwan src/libcharon/plugins/vici/README.md, "Protocol"):
//
//   packet  = u8 type, [u8 name-len, name]  (name only for CMD_REQUEST, EVENT_REGISTER,
//             EVENT_UNREGISTER, EVENT), then a message for CMD_REQUEST, CMD_RESPONSE, EVENT
//   message = element*
//   element = SECTION_START u8-name | SECTION_END | KEY_VALUE u8-name u16-value
//           | LIST_START u8-name | LIST_ITEM u16-value | LIST_END
//
// Names are 1-byte length prefixed, values 2-byte big-endian. encode/decode are a paired
// converter and round-trip; decode never throws anything but ViciDecodeError.
import { ViciDecodeError, ViciEncodeError } from './errors.js';

export const PacketType = {
	CMD_REQUEST: 0,
	CMD_RESPONSE: 1,
	CMD_UNKNOWN: 2,
	EVENT_REGISTER: 3,
	EVENT_UNREGISTER: 4,
	EVENT_CONFIRM: 5,
	EVENT_UNKNOWN: 6,
	EVENT: 7,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

const Element = {
	SECTION_START: 1,
	SECTION_END: 2,
	KEY_VALUE: 3,
	LIST_START: 4,
	LIST_ITEM: 5,
	LIST_END: 6,
} as const;

/** charon refuses (and we never send) a packet larger than this, length prefix excluded. */
export const MAX_PACKET_SIZE = 512 * 1024;
const MAX_NAME = 0xff;
const MAX_VALUE = 0xffff;

/** A decoded message: values are UTF-8 strings, lists of strings, or nested sections. */
export type ViciValue = string | string[] | ViciSection;
export interface ViciSection {
	[key: string]: ViciValue;
}

/** What callers may hand to encode: scalars are stringified (booleans as yes/no). */
export type ViciScalar = string | number | boolean | Uint8Array;
export type ViciInputValue = ViciScalar | readonly ViciScalar[] | ViciInput | undefined;
export interface ViciInput {
	readonly [key: string]: ViciInputValue;
}

export interface Packet {
	type: PacketType;
	/** Command or event name, for the named packet types. */
	name?: string;
	/** The message, for CMD_REQUEST, CMD_RESPONSE and EVENT. */
	message?: ViciSection;
}

const NAMED: ReadonlySet<number> = new Set([PacketType.CMD_REQUEST, PacketType.EVENT_REGISTER, PacketType.EVENT_UNREGISTER, PacketType.EVENT]);
const WITH_MESSAGE: ReadonlySet<number> = new Set([PacketType.CMD_REQUEST, PacketType.CMD_RESPONSE, PacketType.EVENT]);

// ---------------------------------------------------------------- encode

class Writer {
	private chunks: Buffer[] = [];
	size = 0;
	u8(v: number): void {
		this.push(Buffer.from([v]));
	}
	name(s: string, what: string): void {
		const b = Buffer.from(s, 'utf8');
		if (b.length > MAX_NAME) throw new ViciEncodeError(`${what} '${s.slice(0, 40)}…' is ${b.length} bytes, the limit is ${MAX_NAME}`);
		this.u8(b.length);
		this.push(b);
	}
	value(v: ViciScalar, where: string): void {
		const b = scalarBytes(v);
		// The value itself is never echoed into the error: it may be a key.
		if (b.length > MAX_VALUE) throw new ViciEncodeError(`value of '${where}' is ${b.length} bytes, the limit is ${MAX_VALUE}`);
		const len = Buffer.alloc(2);
		len.writeUInt16BE(b.length);
		this.push(len);
		this.push(b);
	}
	private push(b: Buffer): void {
		this.chunks.push(b);
		this.size += b.length;
		if (this.size > MAX_PACKET_SIZE) throw new ViciEncodeError(`message exceeds ${MAX_PACKET_SIZE} bytes`);
	}
	done(): Buffer {
		return Buffer.concat(this.chunks, this.size);
	}
}

function scalarBytes(v: ViciScalar): Buffer {
	if (typeof v === 'string') return Buffer.from(v, 'utf8');
	if (typeof v === 'boolean') return Buffer.from(v ? 'yes' : 'no');
	if (typeof v === 'number') return Buffer.from(String(v));
	return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function isScalar(v: unknown): v is ViciScalar {
	return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Uint8Array;
}

function writeSection(w: Writer, section: ViciInput, path: string): void {
	for (const [key, v] of Object.entries(section)) {
		if (v === undefined) continue;
		const where = path ? `${path}.${key}` : key;
		if (isScalar(v)) {
			w.u8(Element.KEY_VALUE);
			w.name(key, 'key');
			w.value(v, where);
		} else if (Array.isArray(v)) {
			w.u8(Element.LIST_START);
			w.name(key, 'list name');
			for (const item of v as readonly unknown[]) {
				if (!isScalar(item)) throw new ViciEncodeError(`list '${where}' may hold only scalar values`);
				w.u8(Element.LIST_ITEM);
				w.value(item, where);
			}
			w.u8(Element.LIST_END);
		} else if (typeof v === 'object' && v !== null) {
			w.u8(Element.SECTION_START);
			w.name(key, 'section name');
			writeSection(w, v as ViciInput, where);
			w.u8(Element.SECTION_END);
		} else {
			throw new ViciEncodeError(`'${where}' has an unsupported type ${typeof v}`);
		}
	}
}

/** A message body (no packet header). */
export function encodeMessage(message: ViciInput): Buffer {
	const w = new Writer();
	writeSection(w, message, '');
	return w.done();
}

/** A whole packet payload (no 4-byte length prefix; the transport adds it). */
export function encodePacket(type: PacketType, name?: string, message?: ViciInput): Buffer {
	const w = new Writer();
	w.u8(type);
	if (NAMED.has(type)) {
		if (name === undefined || name === '') throw new ViciEncodeError(`packet type ${type} needs a name`);
		w.name(name, 'packet name');
	}
	const head = w.done();
	if (!WITH_MESSAGE.has(type)) return head;
	const body = encodeMessage(message ?? {});
	if (head.length + body.length > MAX_PACKET_SIZE) throw new ViciEncodeError(`message exceeds ${MAX_PACKET_SIZE} bytes`);
	return Buffer.concat([head, body]);
}

// ---------------------------------------------------------------- decode

class Reader {
	off = 0;
	constructor(private readonly buf: Buffer) {}
	get left(): number {
		return this.buf.length - this.off;
	}
	u8(what: string): number {
		if (this.left < 1) throw new ViciDecodeError(`truncated: expected ${what}`, this.off);
		return this.buf[this.off++] as number;
	}
	bytes(n: number, what: string): Buffer {
		if (this.left < n) throw new ViciDecodeError(`truncated: ${what} needs ${n} bytes, ${this.left} left`, this.off);
		const b = this.buf.subarray(this.off, this.off + n);
		this.off += n;
		return b;
	}
	name(what: string): string {
		const n = this.u8(`${what} length`);
		return this.bytes(n, what).toString('utf8');
	}
	value(what: string): string {
		if (this.left < 2) throw new ViciDecodeError(`truncated: expected ${what} length`, this.off);
		const n = this.buf.readUInt16BE(this.off);
		this.off += 2;
		return this.bytes(n, what).toString('utf8');
	}
}

// Plain objects for ergonomic use, but keys set with defineProperty so a hostile
// '__proto__' key is just a key, never a prototype change.
function put(target: ViciSection, key: string, value: ViciValue): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Decode a message body. Iterative, so deep nesting cannot overflow the stack. */
export function decodeMessage(buf: Buffer, startOffset = 0): ViciSection {
	const r = new Reader(buf);
	r.off = startOffset;
	const root: ViciSection = {};
	const stack: ViciSection[] = [root];
	let list: string[] | null = null;
	while (r.left > 0) {
		const at = r.off;
		const type = r.u8('element type');
		const top = stack[stack.length - 1] as ViciSection;
		if (list !== null && type !== Element.LIST_ITEM && type !== Element.LIST_END) {
			throw new ViciDecodeError(`element type ${type} inside a list`, at);
		}
		switch (type) {
			case Element.SECTION_START: {
				const s: ViciSection = {};
				put(top, r.name('section name'), s);
				stack.push(s);
				break;
			}
			case Element.SECTION_END:
				if (stack.length === 1) throw new ViciDecodeError('section end without a section', at);
				stack.pop();
				break;
			case Element.KEY_VALUE: {
				const key = r.name('key');
				put(top, key, r.value(`value of '${key}'`));
				break;
			}
			case Element.LIST_START: {
				list = [];
				put(top, r.name('list name'), list);
				break;
			}
			case Element.LIST_ITEM:
				if (list === null) throw new ViciDecodeError('list item outside a list', at);
				list.push(r.value('list item'));
				break;
			case Element.LIST_END:
				if (list === null) throw new ViciDecodeError('list end outside a list', at);
				list = null;
				break;
			default:
				throw new ViciDecodeError(`unknown element type ${type}`, at);
		}
	}
	if (list !== null) throw new ViciDecodeError('message ends inside a list', r.off);
	if (stack.length !== 1) throw new ViciDecodeError(`message ends inside ${stack.length - 1} open section(s)`, r.off);
	return root;
}

/** Decode a packet payload (length prefix already removed). */
export function decodePacket(buf: Buffer): Packet {
	if (buf.length > MAX_PACKET_SIZE) throw new ViciDecodeError(`packet of ${buf.length} bytes exceeds ${MAX_PACKET_SIZE}`, 0);
	const r = new Reader(buf);
	const type = r.u8('packet type');
	if (type > PacketType.EVENT) throw new ViciDecodeError(`unknown packet type ${type}`, 0);
	const packet: Packet = { type: type as PacketType };
	if (NAMED.has(type)) packet.name = r.name('packet name');
	if (WITH_MESSAGE.has(type)) packet.message = decodeMessage(buf, r.off);
	else if (r.left > 0) throw new ViciDecodeError(`${r.left} trailing bytes after packet type ${type}`, r.off);
	return packet;
}
