import test from 'ava';
import { splitMessages } from '../../operator/rtnl/codec/netlink.js';
import { isRtnlDecodeError } from '../../operator/rtnl/errors.js';
import { decodeEvent } from '../../operator/rtnl/events.js';
import { capturedMessages } from './fixtures.js';

// {bytes} => what the agent does with a received datagram: split it, decode every message
const decodeDatagram = (b: Buffer): void => {
	for (const m of splitMessages(b)) decodeEvent(m);
};

// mulberry32: a small seeded generator, so a failure replays exactly
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const malformed: { what: string; bytes: Buffer; where: RegExp }[] = [
	{ what: 'a header cut short', bytes: Buffer.alloc(10, 1), where: /nlmsghdr/ },
	{ what: 'nlmsg_len below the header size', bytes: Buffer.from('0800000010000000000000000000000000000000', 'hex'), where: /nlmsghdr/ },
	{ what: 'nlmsg_len past the datagram', bytes: Buffer.from('4000000010000000000000000000000000000000', 'hex'), where: /nlmsghdr/ },
	{ what: 'an ndmsg cut short', bytes: Buffer.from('140000001c000000000000000000000002000000', 'hex'), where: /ndmsg/ },
	{
		what: 'an NDA_DST of 3 bytes for IPv4',
		bytes: Buffer.from('240000001c00000000000000000000000200000003000000800000010700010001020300', 'hex'),
		where: /NDA_DST/,
	},
	{
		what: 'an nla_len past the message',
		bytes: Buffer.from('200000001c00000000000000000000000200000003000000800000011000010001020300', 'hex').subarray(0, 32),
		where: /nlattr/,
	},
	{ what: 'an rtmsg with a /40 IPv4 prefix', bytes: Buffer.from('1c0000001800000000000000000000000228000000fe000100000000', 'hex'), where: /rtmsg/ },
	{
		what: 'an RTA_OIF of 2 bytes',
		bytes: Buffer.from('240000001800000000000000000000000200000000fe000100000000060004000200' + '0000', 'hex'),
		where: /RTA_OIF/,
	},
	{
		what: 'an IFLA_IFNAME without its NUL',
		bytes: Buffer.from('2700000010000000000000000000000000000100020000000000000000000000' + '07000300657370', 'hex'),
		where: /IFLA_IFNAME/,
	},
];

for (const m of malformed) {
	test(`the decoder rejects ${m.what} with an RtnlDecodeError`, (t) => {
		const e = t.throws(() => decodeDatagram(m.bytes));
		t.true(isRtnlDecodeError(e), String(e));
		t.regex(e?.message ?? '', m.where);
	});
}

test('seeded random mutations of captured kernel messages never crash the decoder: each decodes or is rejected with RtnlDecodeError', (t) => {
	const seeds = capturedMessages().map((c) => c.bytes);
	const rand = prng(0x65737072); // "espr"
	const int = (n: number): number => Math.floor(rand() * n);
	const mutate = (src: Buffer): Buffer => {
		let b = Buffer.from(src);
		for (let k = 1 + int(4); k > 0; k--) {
			switch (int(7)) {
				case 0: { const o = int(b.length); b[o] = (b[o] ?? 0) ^ (1 << int(8)); break; } // flip a bit
				case 1: b[int(b.length)] = int(256); break; // a random byte
				case 2: b = b.subarray(0, int(b.length + 1)); break; // truncate
				case 3: b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(24) }, () => int(256)))]); break; // trailing garbage
				case 4: if (b.length >= 4) b.writeUInt32LE(int(b.length * 2 + 8), 0); break; // nlmsg_len
				case 5: { const o = 16 + 2 * int(Math.max(1, (b.length - 18) >> 1)); if (o + 2 <= b.length) b.writeUInt16LE(int(64), o); break; } // an nla_len-sized field
				case 6: b = Buffer.concat([b, seeds[int(seeds.length)]!]); break; // two messages in one datagram
			}
			if (b.length === 0) b = Buffer.from(src.subarray(0, 1));
		}
		return b;
	};
	const N = 20000;
	let accepted = 0;
	let rejected = 0;
	for (let i = 0; i < N; i++) {
		const seed = seeds[i % seeds.length]!;
		const b = mutate(seed);
		try {
			decodeDatagram(b);
			accepted++;
		} catch (e) {
			if (!isRtnlDecodeError(e)) return t.fail(`iteration ${i}: ${String(e)} for ${b.toString('hex')}`);
			rejected++;
		}
	}
	t.is(accepted + rejected, N);
	t.true(rejected > N / 10, `rejected ${rejected}`);
	t.true(accepted > N / 20, `accepted ${accepted}`);
	t.log(`${N} mutants: ${accepted} decoded, ${rejected} rejected with RtnlDecodeError`);
});
