// The SA pair and the kernel peer's `ip xfrm` commands shared by the tests that put the Linux
// kernel's ESP opposite esplane in a UML guest: esplane -> kernel AES-CBC + HMAC-SHA256 with
// ESN (the high sequence bits in the ICV), kernel -> esplane AES-GCM-128; 10.1.0.0/24 behind
// esplane (192.0.2.1), 10.2.0.0/24 behind the kernel (192.0.2.2).
export const CBC_KEY = `0x${'3c'.repeat(16)}`;
export const SHA_KEY = `0x${'5a'.repeat(32)}`;
export const GCM_KEY = `0x${'c3'.repeat(16)}a1b2c3d4`;

/** {wan and lan port fields} => esplane's manual-keying config for the pair */
export function kernelPeerConfig(wan: Record<string, unknown> = {}, lan: Record<string, unknown> = {}) {
	return {
		ports: [{ name: 'wan', port: 0, role: 'wan', ...wan }, { name: 'lan', port: 1, role: 'lan', ...lan }],
		sas: [
			{ spi: '0x1001', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', esn: true, replayWindow: 128,
				enc: { name: 'cbc(aes)', key: CBC_KEY }, auth: { name: 'hmac(sha256)', key: SHA_KEY, truncBits: 128 } },
			{ spi: '0x2001', dir: 'in', mode: 'tunnel', src: '192.0.2.2', dst: '192.0.2.1', replayWindow: 64,
				aead: { name: 'rfc4106(gcm(aes))', key: GCM_KEY, icvBits: 128 } },
		],
		policies: [
			{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x1001' },
			{ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', action: 'protect', spi: '0x2001' },
		],
		routes: [{ dst: '192.0.2.0/24', port: 'wan' }, { dst: '10.1.0.0/24', port: 'lan' }],
		neighbors: [
			{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' },
			{ ip: '10.1.0.1', mac: '02:00:00:00:01:02', port: 'lan' },
		],
	};
}

/** the kernel peer's states and policies, as `ip -n NS -b -` lines */
export const kernelPeerXfrm = `xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 reqid 1 mode tunnel flag esn replay-window 128 enc cbc(aes) ${CBC_KEY} auth-trunc hmac(sha256) ${SHA_KEY} 128
xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2001 reqid 2 mode tunnel aead rfc4106(gcm(aes)) ${GCM_KEY} 128
xfrm policy add dir out src 10.2.0.0/24 dst 10.1.0.0/24 tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel reqid 2
xfrm policy add dir in src 10.1.0.0/24 dst 10.2.0.0/24 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 1`;
