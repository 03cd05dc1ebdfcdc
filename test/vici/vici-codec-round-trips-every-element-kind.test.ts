// encodeMessage/decodeMessage and encodePacket/decodePacket are a paired converter: every
// element kind (key/value, list, nested section), every packet type, empty values, UTF-8,
// binary scalars and the 512 KiB ceiling survive a round trip, and framing reassembles
// packets from chunks of any size.
import test from 'ava';
import { MAX_PACKET_SIZE, PacketType, type ViciInput, decodeMessage, decodePacket, encodeMessage, encodePacket } from '../../operator/vici/codec.js';
import { ViciEncodeError } from '../../operator/vici/errors.js';
import { FrameReader, frame } from '../../operator/vici/transport.js';

const cases: Array<[string, ViciInput, unknown]> = [
	['empty message', {}, {}],
	['key/values', { a: 'b', empty: '', n: 42, yes: true, no: false }, { a: 'b', empty: '', n: '42', yes: 'yes', no: 'no' }],
	['lists', { l: ['x', 'y', ''], none: [] }, { l: ['x', 'y', ''], none: [] }],
	['nested sections', { conn: { local: { auth: 'psk', id: '@a' }, children: { c: { 'local_ts': ['10.0.0.0/24'] } } } }, { conn: { local: { auth: 'psk', id: '@a' }, children: { c: { local_ts: ['10.0.0.0/24'] } } } }],
	['utf-8 names and values', { 'ключ': 'значение ✓' }, { 'ключ': 'значение ✓' }],
	['binary scalars', { data: new Uint8Array([0x41, 0x42]) }, { data: 'AB' }],
	['undefined is omitted', { a: undefined, b: 'c' }, { b: 'c' }],
	['a __proto__ key is just a key', JSON.parse('{"__proto__": "x"}') as ViciInput, JSON.parse('{"__proto__": "x"}')],
];

for (const [title, input, expected] of cases) {
	test(`message round trip: ${title}`, (t) => {
		const decoded = decodeMessage(encodeMessage(input));
		t.deepEqual(JSON.parse(JSON.stringify(decoded)), JSON.parse(JSON.stringify(expected)));
		t.is(Object.getPrototypeOf(decoded), Object.prototype);
	});
}

test('the wire bytes are the documented layout', (t) => {
	// CMD_REQUEST "x", then KEY_VALUE k=v, LIST_START l [ITEM a] LIST_END, SECTION s {} END
	const bytes = encodePacket(PacketType.CMD_REQUEST, 'x', { k: 'v', l: ['a'], s: {} });
	t.deepEqual([...bytes], [0, 1, 0x78, 3, 1, 0x6b, 0, 1, 0x76, 4, 1, 0x6c, 5, 0, 1, 0x61, 6, 1, 1, 0x73, 2]);
});

const packets: Array<[string, PacketType, string | undefined, ViciInput | undefined]> = [
	['CMD_REQUEST', PacketType.CMD_REQUEST, 'load-conn', { c: { version: '2' } }],
	['CMD_RESPONSE', PacketType.CMD_RESPONSE, undefined, { success: 'yes' }],
	['CMD_UNKNOWN', PacketType.CMD_UNKNOWN, undefined, undefined],
	['EVENT_REGISTER', PacketType.EVENT_REGISTER, 'child-updown', undefined],
	['EVENT_UNREGISTER', PacketType.EVENT_UNREGISTER, 'child-updown', undefined],
	['EVENT_CONFIRM', PacketType.EVENT_CONFIRM, undefined, undefined],
	['EVENT_UNKNOWN', PacketType.EVENT_UNKNOWN, undefined, undefined],
	['EVENT', PacketType.EVENT, 'ike-updown', { up: 'yes' }],
];

for (const [title, type, name, message] of packets) {
	test(`packet round trip: ${title}`, (t) => {
		const p = decodePacket(encodePacket(type, name, message));
		t.is(p.type, type);
		t.is(p.name, name);
		if (message) t.deepEqual({ ...p.message }, message);
		else t.is(p.message, type === PacketType.CMD_RESPONSE || type === PacketType.EVENT ? {} : undefined);
	});
}

test('a packet of exactly 512 KiB passes, one byte more is refused on encode', (t) => {
	const big = Array.from({ length: 7 }, () => 'z'.repeat(0xffff));
	const base = encodePacket(PacketType.CMD_REQUEST, 'x', { l: big, f: '' }).length;
	const filler = 'y'.repeat(MAX_PACKET_SIZE - base);
	const exact = encodePacket(PacketType.CMD_REQUEST, 'x', { l: big, f: filler });
	t.is(exact.length, MAX_PACKET_SIZE);
	t.is(decodePacket(exact).type, PacketType.CMD_REQUEST);
	t.is(new FrameReader().push(frame(exact)).length, 1);
	t.throws(() => encodePacket(PacketType.CMD_REQUEST, 'x', { l: big, f: filler + 'y' }), { instanceOf: ViciEncodeError });
	t.throws(() => frame(Buffer.alloc(MAX_PACKET_SIZE + 1)), { instanceOf: ViciEncodeError });
});

test('names over 255 bytes and values over 65535 bytes are refused, never truncated', (t) => {
	t.throws(() => encodeMessage({ ['k'.repeat(256)]: 'v' }), { instanceOf: ViciEncodeError });
	t.throws(() => encodeMessage({ k: 'v'.repeat(65536) }), { instanceOf: ViciEncodeError });
	t.throws(() => encodeMessage({ l: [{} as never] }), { instanceOf: ViciEncodeError });
	const e = t.throws(() => encodeMessage({ psk: 'S3CRET'.repeat(20000) }), { instanceOf: ViciEncodeError });
	t.false(e?.message.includes('S3CRET'), 'an oversized value is never echoed into the error');
});

test('framing reassembles packets split and joined at every byte boundary', (t) => {
	const a = encodePacket(PacketType.EVENT, 'child-updown', { up: 'yes', child: { x: ['1', '2'] } });
	const b = encodePacket(PacketType.CMD_RESPONSE, undefined, { success: 'yes' });
	const wire = Buffer.concat([frame(a), frame(b)]);
	for (let cut = 0; cut <= wire.length; cut++) {
		const r = new FrameReader();
		const out = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
		t.deepEqual(out, [a, b], `cut at ${cut}`);
		t.is(r.buffered, 0);
	}
	const r = new FrameReader();
	const out: Buffer[] = [];
	for (const byte of wire) out.push(...r.push(Buffer.from([byte])));
	t.deepEqual(out, [a, b], 'one byte at a time');
});
