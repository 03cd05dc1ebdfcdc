// xfrm_address_t (16 bytes, an IPv4 address in the first 4) <-> the text `ip xfrm` prints.
import { AF_INET, AF_INET6 } from './constants.js';
import { XfrmDecodeError } from './errors.js';

export const ADDRESS_SIZE = 16;

/** Formats 16 bytes as the family's text form. Other families: "" when zero, else hex (kept for round trips). */
export function formatAddress(b: Uint8Array, off: number, family: number): string {
	if (family === AF_INET) {
		const a = b[off] ?? 0, c = b[off + 1] ?? 0, d = b[off + 2] ?? 0, e = b[off + 3] ?? 0;
		// Selectors of SAs are mostly 0.0.0.0: no string to build.
		return (a | c | d | e) === 0 ? '0.0.0.0' : `${a}.${c}.${d}.${e}`;
	}
	if (family === AF_INET6) return formatIpv6(b.subarray(off, off + 16));
	let zero = true;
	for (let i = 0; i < 16; i++) if (b[off + i] !== 0) zero = false;
	return zero ? '' : `0x${Buffer.from(b.subarray(off, off + 16)).toString('hex')}`;
}

/** Writes the address into 16 bytes at `off` (zero-padded). "" writes zeros. */
export function writeAddress(b: Uint8Array, off: number, text: string): void {
	b.fill(0, off, off + 16);
	if (text === '') return;
	if (text.startsWith('0x')) {
		b.set(Buffer.from(text.slice(2), 'hex').subarray(0, 16), off);
		return;
	}
	b.set(parseAddress(text), off);
}

/** "192.0.2.1" => 4 bytes, "2001:db8::1" => 16 bytes; throws XfrmDecodeError on anything else. */
export function parseAddress(text: string): Uint8Array {
	if (text.includes(':')) return parseIpv6(text);
	const parts = text.split('.');
	if (parts.length !== 4 || parts.some(p => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
		throw new XfrmDecodeError('address', `not an IPv4 address: ${JSON.stringify(text)}`);
	}
	return Uint8Array.from(parts.map(Number));
}

export function familyOf(text: string): number {
	return text.includes(':') ? AF_INET6 : AF_INET;
}

function formatIpv6(b: Uint8Array): string {
	const groups: number[] = [];
	for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
	// RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on a tie.
	let bestAt = -1, bestLen = 1;
	for (let i = 0; i < 8;) {
		if (groups[i] !== 0) { i++; continue; }
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
		i = j;
	}
	const hex = groups.map(g => g.toString(16));
	if (bestAt < 0) return hex.join(':');
	return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function parseIpv6(text: string): Uint8Array {
	const bad = () => new XfrmDecodeError('address', `not an IPv6 address: ${JSON.stringify(text)}`);
	const halves = text.split('::');
	if (halves.length > 2) throw bad();
	const parse = (s: string) => (s === '' ? [] : s.split(':').map(g => {
		if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
		return parseInt(g, 16);
	}));
	const head = parse(halves[0] ?? '');
	const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
	const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
	if ((halves.length === 2 && fill < 1) || head.length + fill + tail.length !== 8) throw bad();
	const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
	const out = new Uint8Array(16);
	groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
	return out;
}
