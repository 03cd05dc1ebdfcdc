// Paired converters between the JSON-contract shapes (types.ts) and the C structs (abi.ts):
// addresses, prefixes, hex keys, SAs and policies. Pure functions, no library calls.
import { isIP } from 'node:net';
import type { DpPolicy, DpSa } from './types.js';
import { ALG_NAME_LEN, KEY_MAX, PROTO_ANY } from './abi.js';
import { DataplaneError } from './error.js';

export interface CAddr {
	family: number;
	prefix_len: number;
	pad: number[];
	addr: number[];
}

function v6Bytes(s: string): number[] {
	let text = s;
	const tail: number[] = [];
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4?.[1]) {
		tail.push(...v4[1].split('.').map(Number));
		text = text.slice(0, -v4[1].length) + '0:0';
	}
	const [head, rest] = text.split('::') as [string, string | undefined];
	const groups = (part: string | undefined) => (part ? part.split(':').filter(g => g !== '') : []);
	const left = groups(head);
	const right = groups(rest);
	const fill = rest === undefined ? 0 : 8 - left.length - right.length;
	const all = [...left, ...Array<string>(fill).fill('0'), ...right].map(g => parseInt(g, 16));
	const bytes = all.flatMap(g => [g >> 8, g & 255]);
	if (tail.length) bytes.splice(12, 4, ...tail);
	return bytes;
}

/** {"192.0.2.1" | "2001:db8::/32", field} => the C address; throws naming the field */
export function toAddr(text: string, field: string, prefix = false): CAddr {
	const [ip = '', len, extra] = text.split('/');
	const family = isIP(ip);
	if (!family || extra !== undefined || (!prefix && len !== undefined)) {
		throw new DataplaneError(-22, `${field}: "${text}" is not an IPv4 or IPv6 ${prefix ? 'prefix' : 'address'}`);
	}
	const bytes = family === 4 ? ip.split('.').map(Number) : v6Bytes(ip);
	const max = family === 4 ? 32 : 128;
	const plen = len === undefined ? max : Number(len);
	if (!Number.isInteger(plen) || plen < 0 || plen > max) {
		throw new DataplaneError(-22, `${field}: "${text}" has an invalid prefix length`);
	}
	return { family, prefix_len: plen, pad: [0, 0], addr: [...bytes, ...Array<number>(16 - bytes.length).fill(0)] };
}

/** {C address} => its text, as `ip xfrm` prints it */
export function fromAddr(a: { family: number; addr: ArrayLike<number> }): string {
	const b = Array.from(a.addr);
	if (a.family === 4) return b.slice(0, 4).join('.');
	const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] ?? 0) << 8 | (b[2 * i + 1] ?? 0)).toString(16));
	const text = groups.join(':');
	const runs = [...text.matchAll(/(?:^|:)(0(?::0)+)(?::|$)/g)];
	const longest = runs.sort((x, y) => (y[1]?.length ?? 0) - (x[1]?.length ?? 0))[0];
	if (!longest) return text;
	const start = longest.index ?? 0;
	return `${text.slice(0, start)}::${text.slice(start + longest[0].length)}`.replace(/^:::/, '::');
}

function hexBytes(hex: string, field: string): number[] {
	if (!/^0x([0-9a-fA-F]{2})+$/.test(hex) || (hex.length - 2) / 2 > KEY_MAX) {
		throw new DataplaneError(-22, `${field}: must be 0x followed by an even number of hex digits`);
	}
	const out: number[] = [];
	for (let i = 2; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
	return out;
}

function padKey(bytes: number[]): number[] {
	return [...bytes, ...Array<number>(KEY_MAX - bytes.length).fill(0)];
}

function algName(name: string, field: string): string {
	if (name.length >= ALG_NAME_LEN) throw new DataplaneError(-22, `${field}: too long`);
	return name;
}

/** {spi "0x…"} => the number */
export function spiNumber(spi: string, field = 'spi'): number {
	if (!/^0x[0-9a-fA-F]{1,8}$/.test(spi)) throw new DataplaneError(-22, `${field}: "${spi}" is not a 0x-hex SPI`);
	return parseInt(spi.slice(2), 16);
}

const big = (v: bigint | number | undefined) => BigInt(v ?? 0);

/** {DpSa} => the esp_dp_sa object koffi encodes (keys included: the caller zeroes the buffer) */
export function saToC(sa: DpSa): Record<string, unknown> {
	const aeadKey = sa.aead ? hexBytes(sa.aead.key, 'aead.key') : [];
	const encKey = sa.enc ? hexBytes(sa.enc.key, 'enc.key') : [];
	const authKey = sa.auth ? hexBytes(sa.auth.key, 'auth.key') : [];
	return {
		spi: spiNumber(sa.spi),
		dir: sa.dir === 'in' ? 0 : 1,
		esn: sa.esn ? 1 : 0,
		encap: sa.encap ? 1 : 0,
		pad0: 0,
		src: toAddr(sa.src, 'src'),
		dst: toAddr(sa.dst, 'dst'),
		encap_sport: sa.encap?.sport ?? 0,
		encap_dport: sa.encap?.dport ?? 0,
		replay_window: sa.replayWindow ?? 32,
		reqid: sa.reqid ?? 0,
		icv_bits: sa.aead?.icvBits ?? sa.auth?.truncBits ?? 0,
		aead: algName(sa.aead?.name ?? '', 'aead.name'),
		enc: algName(sa.enc?.name ?? '', 'enc.name'),
		auth: algName(sa.auth?.name ?? '', 'auth.name'),
		aead_key_len: aeadKey.length,
		enc_key_len: encKey.length,
		auth_key_len: authKey.length,
		mss_clamp: sa.mssClamp ?? 0,
		pad1: 0,
		aead_key: padKey(aeadKey),
		enc_key: padKey(encKey),
		auth_key: padKey(authKey),
		seq: big(sa.seq),
		hard_bytes: big(sa.lifetime?.hardBytes),
		hard_packets: big(sa.lifetime?.hardPackets),
		soft_bytes: big(sa.lifetime?.softBytes),
		soft_packets: big(sa.lifetime?.softPackets),
	};
}

const PROTOS: Record<string, number> = { any: PROTO_ANY, tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58 };

function portRange(p: number | [number, number] | undefined): [number, number] {
	if (p === undefined) return [0, 65535];
	return typeof p === 'number' ? [p, p] : p;
}

/** {DpPolicy, index} => the esp_dp_policy object koffi encodes */
export function policyToC(p: DpPolicy, i: number): Record<string, unknown> {
	const proto = p.proto === undefined ? PROTO_ANY : typeof p.proto === 'number' ? p.proto : PROTOS[p.proto];
	if (proto === undefined) throw new DataplaneError(-22, `policies[${i}].proto: unknown`);
	const [sportLo, sportHi] = portRange(p.sport);
	const [dportLo, dportHi] = portRange(p.dport);
	return {
		dir: p.dir === 'in' ? 0 : 1,
		action: { protect: 0, bypass: 1, discard: 2 }[p.action],
		proto,
		src: toAddr(p.src, `policies[${i}].src`, true),
		dst: toAddr(p.dst, `policies[${i}].dst`, true),
		sport_lo: sportLo, sport_hi: sportHi, dport_lo: dportLo, dport_hi: dportHi,
		spi: p.spi ? spiNumber(p.spi, `policies[${i}].spi`) : 0,
		priority: p.priority ?? 0,
		reqid: p.reqid ?? 0,
	};
}

/** {"02:00:…"} => six bytes */
export function macBytes(mac: string, field: string): number[] {
	if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) throw new DataplaneError(-22, `${field}: "${mac}" is not a MAC address`);
	return mac.split(':').map(h => parseInt(h, 16));
}
