// The SAs the real-kernel tests add with `ip xfrm state add`: every algorithm of the table in
// both directions and both families, ESN, NAT-T — and SAs the dataplane cannot run, with the
// reason the mirror must give. Local addresses in the guest: 192.0.2.1 and 2001:db8::1.
import type { DpSa } from '../../operator/dataplane/types.js';

const hex = (byte: string, n: number) => `0x${byte.repeat(n)}` as const;

export interface MatrixSa {
	/** `ip xfrm state add` arguments after "state add" */
	args: string;
	/** what the dataplane must hold, or the reason it must not */
	expect: DpSa | { reason: RegExp };
}

const v4out = (spi: string) => `src 192.0.2.1 dst 192.0.2.2 proto esp spi ${spi} reqid 1 mode tunnel`;
const v4in = (spi: string) => `src 192.0.2.2 dst 192.0.2.1 proto esp spi ${spi} reqid 1 mode tunnel`;
const base = (spi: `0x${string}`, dir: 'in' | 'out'): DpSa => ({
	spi, dir, mode: 'tunnel', src: dir === 'out' ? '192.0.2.1' : '192.0.2.2', dst: dir === 'out' ? '192.0.2.2' : '192.0.2.1',
	replayWindow: 0, esn: false, reqid: 1,
});
const gcm = (spi: `0x${string}`, dir: 'in' | 'out', keyBytes: number, icv: number, byte: string): MatrixSa => ({
	args: `${dir === 'out' ? v4out(spi) : v4in(spi)} aead 'rfc4106(gcm(aes))' ${hex(byte, keyBytes + 4)} ${icv}`,
	expect: { ...base(spi, dir), aead: { name: 'rfc4106(gcm(aes))', key: hex(byte, keyBytes + 4), icvBits: icv } },
});
const cbc = (spi: `0x${string}`, dir: 'in' | 'out', keyBytes: number, integ: 'sha1' | 'sha256', byte: string): MatrixSa => {
	const [alen, trunc] = integ === 'sha1' ? [20, 96] : [32, 128];
	return {
		args: `${dir === 'out' ? v4out(spi) : v4in(spi)} enc 'cbc(aes)' ${hex(byte, keyBytes)} auth-trunc 'hmac(${integ})' ${hex('5a', alen)} ${trunc}`,
		expect: { ...base(spi, dir), enc: { name: 'cbc(aes)', key: hex(byte, keyBytes) }, auth: { name: `hmac(${integ})`, key: hex('5a', alen), truncBits: trunc } },
	};
};

export const SA_MATRIX: MatrixSa[] = [
	gcm('0x1001', 'out', 16, 128, '01'),
	gcm('0x1003', 'out', 32, 128, '03'),
	{
		args: `${v4out('0x1006')} aead 'rfc7539esp(chacha20,poly1305)' ${hex('06', 36)} 128`,
		expect: { ...base('0x1006', 'out'), aead: { name: 'rfc7539esp(chacha20,poly1305)', key: hex('06', 36), icvBits: 128 } },
	},
	cbc('0x1007', 'out', 16, 'sha1', '07'),
	cbc('0x1008', 'out', 32, 'sha256', '08'),
	{
		args: `${v4out('0x100a')} aead 'rfc4106(gcm(aes))' ${hex('0a', 20)} 128 flag esn replay-window 256`,
		expect: { ...base('0x100a', 'out'), aead: { name: 'rfc4106(gcm(aes))', key: hex('0a', 20), icvBits: 128 }, esn: true, replayWindow: 256 },
	},
	{
		args: `${v4out('0x100b')} enc 'cbc(aes)' ${hex('0b', 32)} auth-trunc 'hmac(sha256)' ${hex('5a', 32)} 128 encap espinudp 4500 4500 0.0.0.0`,
		expect: { ...base('0x100b', 'out'), enc: { name: 'cbc(aes)', key: hex('0b', 32) }, auth: { name: 'hmac(sha256)', key: hex('5a', 32), truncBits: 128 }, encap: { type: 'espinudp', sport: 4500, dport: 4500 } },
	},
	{
		args: `${v4in('0x2001')} aead 'rfc4106(gcm(aes))' ${hex('21', 20)} 128 flag esn replay-window 128 encap espinudp 4500 4500 0.0.0.0`,
		expect: { ...base('0x2001', 'in'), aead: { name: 'rfc4106(gcm(aes))', key: hex('21', 20), icvBits: 128 }, esn: true, replayWindow: 128, encap: { type: 'espinudp', sport: 4500, dport: 4500 } },
	},
	{ args: `${cbc('0x2002', 'in', 16, 'sha1', '22').args} replay-window 32`, expect: { ...cbc('0x2002', 'in', 16, 'sha1', '22').expect as DpSa, replayWindow: 32 } },
	gcm('0x2003', 'in', 32, 128, '23'),
	{
		args: `${v4in('0x2004')} aead 'rfc7539esp(chacha20,poly1305)' ${hex('24', 36)} 128`,
		expect: { ...base('0x2004', 'in'), aead: { name: 'rfc7539esp(chacha20,poly1305)', key: hex('24', 36), icvBits: 128 } },
	},
	{
		args: `src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x3001 reqid 2 mode tunnel aead 'rfc4106(gcm(aes))' ${hex('31', 36)} 128`,
		expect: { spi: '0x3001', dir: 'out', mode: 'tunnel', src: '2001:db8::1', dst: '2001:db8::2', replayWindow: 0, esn: false, reqid: 2, aead: { name: 'rfc4106(gcm(aes))', key: hex('31', 36), icvBits: 128 } },
	},
	{
		args: `src 2001:db8::2 dst 2001:db8::1 proto esp spi 0x3002 reqid 2 mode tunnel enc 'cbc(aes)' ${hex('32', 16)} auth-trunc 'hmac(sha1)' ${hex('5a', 20)} 96 flag esn replay-window 64`,
		expect: { spi: '0x3002', dir: 'in', mode: 'tunnel', src: '2001:db8::2', dst: '2001:db8::1', replayWindow: 64, esn: true, reqid: 2, enc: { name: 'cbc(aes)', key: hex('32', 16) }, auth: { name: 'hmac(sha1)', key: hex('5a', 20), truncBits: 96 } },
	},
	// Not programmable, each for its own reason.
	{ args: `${v4out('0x4001')} enc 'cbc(des3_ede)' ${hex('41', 24)} auth-trunc 'hmac(sha1)' ${hex('5a', 20)} 96`, expect: { reason: /unsupported cipher cbc\(des3_ede\)/ } },
	{ args: `${v4out('0x4002')} enc 'cbc(aes)' ${hex('42', 16)} auth-trunc 'hmac(sha256)' ${hex('5a', 32)} 96`, expect: { reason: /hmac\(sha256\) truncation 96/ } },
	{ args: `${v4out('0x4003')} aead 'rfc4309(ccm(aes))' ${hex('43', 19)} 128`, expect: { reason: /unsupported AEAD algorithm rfc4309\(ccm\(aes\)\)/ } },
	{ args: `${v4out('0x4004').replace('mode tunnel', 'mode transport')} aead 'rfc4106(gcm(aes))' ${hex('44', 20)} 128`, expect: { reason: /mode 0 is not tunnel/ } },
	{ args: `${v4out('0x4005')} aead 'rfc4106(gcm(aes))' ${hex('45', 20)} 128 tfcpad 64`, expect: { reason: /TFC padding/ } },
	{ args: `${v4out('0x4006')} aead 'rfc4106(gcm(aes))' ${hex('46', 28)} 128`, expect: { reason: /key length 224 bits/ } },
	{ args: `${v4out('0x4007')} aead 'rfc4106(gcm(aes))' ${hex('47', 20)} 96`, expect: { reason: /ICV length 96 bits/ } },
	{ args: `${v4out('0x4008')} aead 'rfc4106(gcm(aes))' ${hex('48', 36)} 64`, expect: { reason: /ICV length 64 bits/ } },
	{ args: `${v4out('0x4009')} enc 'cbc(aes)' ${hex('49', 24)} auth-trunc 'hmac(sha256)' ${hex('5a', 32)} 128`, expect: { reason: /cbc\(aes\) key length 192 bits/ } },
];
