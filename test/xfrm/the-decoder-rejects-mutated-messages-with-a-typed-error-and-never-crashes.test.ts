import test from 'ava';
import { isXfrmDecodeError } from '../../operator/xfrm/codec/errors.js';
import { decodeXfrm, encodeXfrm } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import { loadFixtures } from './fixtures.js';

// A small seeded PRNG (mulberry32) so a failure reproduces from the printed seed.
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

function mutate(src: Buffer, rnd: () => number): Buffer {
	let b = Buffer.from(src);
	const n = 1 + Math.floor(rnd() * 4);
	for (let i = 0; i < n; i++) {
		const at = Math.floor(rnd() * b.length);
		switch (Math.floor(rnd() * 6)) {
			case 0: b[at] = Math.floor(rnd() * 256); break; // random byte
			case 1: b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rnd() * 8)); break; // bit flip
			case 2: b = b.subarray(0, at); break; // truncation
			case 3: b = Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)))]); break; // trailing junk
			case 4: if (at + 2 <= b.length) b.writeUInt16LE(Math.floor(rnd() * 0x10000), at & ~1); break; // a length/type field
			default: if (b.length >= 4) b.writeUInt32LE(Math.floor(rnd() * 0x400), 0); break; // nlmsg_len
		}
	}
	return b;
}

const SEED = 0x5eed_0001;
const ITERATIONS = 20_000;

test(`${ITERATIONS} mutations of captured messages decode or fail with XfrmDecodeError (seed ${SEED})`, t => {
	const corpus = loadFixtures().map(f => f.bytes);
	const rnd = prng(SEED);
	let decoded = 0, rejected = 0;
	for (let i = 0; i < ITERATIONS; i++) {
		const input = mutate(corpus[i % corpus.length]!, rnd);
		try {
			for (const m of splitMessages(input)) {
				const x = decodeXfrm(m);
				// Whatever decodes must encode again without throwing.
				encodeXfrm(x);
			}
			decoded++;
		} catch (e) {
			if (!isXfrmDecodeError(e)) {
				t.fail(`iteration ${i}: ${(e as Error).stack} on ${input.toString('hex')}`);
				return;
			}
			rejected++;
		}
	}
	t.log(`decoded ${decoded}, rejected ${rejected}`);
	t.true(rejected > ITERATIONS / 10, 'mutations are rejected, not silently accepted');
	t.true(decoded > 0);
});

test('short and lying headers are typed errors', t => {
	const [m] = loadFixtures();
	const b = Buffer.from(m!.bytes);
	b.writeUInt32LE(b.length + 100, 0);
	t.true(isXfrmDecodeError(t.throws(() => splitMessages(b))));
	const body = splitMessages(m!.bytes)[0]!;
	t.true(isXfrmDecodeError(t.throws(() => decodeXfrm({ ...body, payload: body.payload.subarray(0, 100) }))));
});
