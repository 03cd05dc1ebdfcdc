// Whatever arrives on the socket, the decoder either returns a packet or throws
// ViciDecodeError — never a RangeError, TypeError or a hang. Hand-picked malformations
// first, then a seeded fuzz over truncations, bit flips and random bytes.
import test from 'ava';
import { MAX_PACKET_SIZE, PacketType, decodeMessage, decodePacket, encodePacket } from '../../operator/vici/codec.js';
import { ViciDecodeError, isViciDecodeError } from '../../operator/vici/errors.js';
import { FrameReader } from '../../operator/vici/transport.js';

const bad: Array<[string, number[]]> = [
	['empty packet', []],
	['unknown packet type', [9]],
	['named packet without its name', [PacketType.EVENT, 5, 0x61]],
	['trailing bytes after EVENT_CONFIRM', [PacketType.EVENT_CONFIRM, 1]],
	['unknown element type', [PacketType.CMD_RESPONSE, 7]],
	['key without a value length', [PacketType.CMD_RESPONSE, 3, 1, 0x6b, 0]],
	['value longer than the rest', [PacketType.CMD_RESPONSE, 3, 1, 0x6b, 0, 9, 0x76]],
	['section end without a section', [PacketType.CMD_RESPONSE, 2]],
	['unclosed section', [PacketType.CMD_RESPONSE, 1, 1, 0x73]],
	['list item outside a list', [PacketType.CMD_RESPONSE, 5, 0, 0]],
	['list end outside a list', [PacketType.CMD_RESPONSE, 6]],
	['unterminated list', [PacketType.CMD_RESPONSE, 4, 1, 0x6c, 5, 0, 0]],
	['key/value inside a list', [PacketType.CMD_RESPONSE, 4, 1, 0x6c, 3, 1, 0x6b, 0, 0, 6]],
	['section inside a list', [PacketType.CMD_RESPONSE, 4, 1, 0x6c, 1, 1, 0x73, 2, 6]],
];

for (const [title, bytes] of bad) {
	test(`rejected: ${title}`, (t) => {
		t.throws(() => decodePacket(Buffer.from(bytes)), { instanceOf: ViciDecodeError });
	});
}

test('a frame length above 512 KiB is rejected before any allocation', (t) => {
	const head = Buffer.alloc(4);
	head.writeUInt32BE(MAX_PACKET_SIZE + 1);
	t.throws(() => new FrameReader().push(head), { instanceOf: ViciDecodeError });
	head.writeUInt32BE(0xffffffff);
	t.throws(() => new FrameReader().push(head), { instanceOf: ViciDecodeError });
});

test('100000 nested sections decode without overflowing the stack', (t) => {
	const depth = 100_000;
	const bytes = Buffer.alloc(depth * 3 + depth);
	for (let i = 0; i < depth; i++) bytes.set([1, 1, 0x73], i * 3);
	bytes.fill(2, depth * 3);
	t.notThrows(() => decodeMessage(bytes));
	t.throws(() => decodeMessage(bytes.subarray(0, bytes.length - 1)), { instanceOf: ViciDecodeError });
});

// A small deterministic PRNG so a failure reproduces.
function rng(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

test('fuzz: truncations, bit flips and random bytes give a packet or a ViciDecodeError', (t) => {
	const rand = rng(0x5eed);
	const seeds = [
		encodePacket(PacketType.CMD_REQUEST, 'load-conn', { gw: { local_addrs: ['192.0.2.1'], local: { auth: 'psk' }, children: { c: { esp_proposals: ['aes128gcm16'] } } } }),
		encodePacket(PacketType.EVENT, 'list-sa', { sa: { state: 'ESTABLISHED', 'child-sas': { c: { 'spi-in': 'c0ffee01' } } } }),
		encodePacket(PacketType.CMD_RESPONSE, undefined, { success: 'no', errmsg: 'boom' }),
	];
	let ok = 0;
	let typed = 0;
	const other: string[] = [];
	const check = (b: Buffer): void => {
		try {
			decodePacket(b);
			ok++;
		} catch (e) {
			if (isViciDecodeError(e)) typed++;
			else other.push(`${(e as Error).name}: ${(e as Error).message} on ${b.toString('hex')}`);
		}
	};
	for (const seed of seeds) {
		for (let n = 0; n < seed.length; n++) check(seed.subarray(0, n));
		for (let i = 0; i < 3000; i++) {
			const b = Buffer.from(seed);
			const flips = 1 + Math.floor(rand() * 3);
			for (let f = 0; f < flips; f++) {
				const at = Math.floor(rand() * b.length);
				b[at] = (b[at] as number) ^ (1 << Math.floor(rand() * 8));
			}
			check(b);
		}
	}
	for (let i = 0; i < 5000; i++) {
		const b = Buffer.alloc(Math.floor(rand() * 64));
		for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 8);
		check(b);
	}
	t.deepEqual(other, []);
	t.true(typed > 1000, `typed errors: ${typed}`);
	t.true(ok > 0, `decoded: ${ok}`);
});
