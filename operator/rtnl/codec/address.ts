// Paired converters between the kernel's address bytes and the strings the dataplane types
// use: IPv4 dotted quads, IPv6 in RFC 5952 form (lower case, longest zero run as "::"),
// MACs as "02:00:00:00:00:02".
import { isIP } from 'node:net';
import { RtnlDecodeError, RtnlEncodeError } from '../errors.js';
import { AF_INET, AF_INET6 } from './constants.js';

export type Family = typeof AF_INET | typeof AF_INET6;

export function addressLength(family: number): number {
	if (family === AF_INET) return 4;
	if (family === AF_INET6) return 16;
	return -1;
}

/** {family, bytes} => address string; the length must match the family */
export function bytesToIp(what: string, family: number, b: Buffer): string {
	if (family === AF_INET) {
		if (b.length !== 4) throw new RtnlDecodeError(what, `IPv4 address of ${b.length} bytes`);
		return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
	}
	if (family === AF_INET6) {
		if (b.length !== 16) throw new RtnlDecodeError(what, `IPv6 address of ${b.length} bytes`);
		const groups: number[] = [];
		for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
		return formatV6(groups);
	}
	throw new RtnlDecodeError(what, `address family ${family}`);
}

function formatV6(groups: number[]): string {
	// the longest run of two or more zero groups, the first one on a tie (RFC 5952 4.2)
	let best = -1;
	let bestLen = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) {
			best = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
	if (best < 0) return hex(groups);
	return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** {address string} => its family and bytes; anything else is an RtnlEncodeError */
export function ipToBytes(ip: string): { family: Family; bytes: Buffer } {
	const v = isIP(ip);
	if (v === 4) return { family: AF_INET, bytes: Buffer.from(ip.split('.').map(Number)) };
	if (v === 6) {
		if (ip.includes('.')) throw new RtnlEncodeError(`IPv6 address with an embedded IPv4 part is not supported: ${ip}`);
		const [head = '', tail] = ip.split('::');
		const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
		const h = parse(head);
		const t = tail === undefined ? [] : parse(tail);
		const groups = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
		const bytes = Buffer.alloc(16);
		groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
		return { family: AF_INET6, bytes };
	}
	throw new RtnlEncodeError(`not an IP address: ${JSON.stringify(ip)}`);
}

/** {link-layer bytes} => "aa:bb:…" (any length: tunnels and IPoIB have other sizes) */
export function bytesToMac(b: Buffer): string {
	return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function macToBytes(mac: string): Buffer {
	if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*$/.test(mac)) throw new RtnlEncodeError(`not a link-layer address: ${JSON.stringify(mac)}`);
	return Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
}

/** {address in any valid spelling} => the one spelling bytesToIp produces; anything else unchanged */
export function canonicalIp(ip: string): string {
	// a valid dotted quad has one spelling already (isIP refuses leading zeros); the common case stays cheap
	if (!ip.includes(':')) return ip;
	if (isIP(ip) !== 6 || ip.includes('.')) return ip;
	const { family, bytes } = ipToBytes(ip);
	return bytesToIp('address', family, bytes);
}
