// The keys and pre-shared keys the test suite plants, in one place. Tests that need key
// material take it from here, so `scripts/check-logs.mjs` knows exactly which strings must
// never appear in any log line the suite produced (raw, as hex with or without 0x, or base64).
// They are deliberately recognisable and useless outside tests.
//
// Keys are written the way `ip xfrm state` and the manual-keying config take them.

export const PLANTED_KEYS = {
	/** rfc4106(gcm(aes)) 128-bit key + 4-byte salt (20 bytes). */
	aesGcm128: '0x5eed0001c0ffee00deadbeef0badf00d11223344',
	/** rfc4106(gcm(aes)) 256-bit key + 4-byte salt (36 bytes). */
	aesGcm256: '0x5eed0002c0ffee00deadbeef0badf00d00112233445566778899aabbccddeeff55667788',
	/** cbc(aes) 128-bit key. */
	aesCbc128: '0x5eed0003c0ffee00deadbeef0badf00d',
	/** cbc(aes) 256-bit key. */
	aesCbc256: '0x5eed0004c0ffee00deadbeef0badf00d0123456789abcdef0123456789abcdef',
	/** hmac(sha256) key (32 bytes). */
	hmacSha256: '0x5eed0005c0ffee00deadbeef0badf00dfedcba9876543210fedcba9876543210',
	/** hmac(sha1) key (20 bytes). */
	hmacSha1: '0x5eed0006c0ffee00deadbeef0badf00d99887766',
} as const;

export const PLANTED_PSKS = {
	siteA: 'esplane-planted-psk-site-a-Zq7v',
	siteB: 'esplane-planted-psk-site-b-Xw3k',
	roadWarrior: 'esplane-planted-psk-road-warrior-Pm9t',
} as const;

/** Every planted secret, for the log checker. */
export function allPlantedSecrets(): string[] {
	return [...Object.values(PLANTED_KEYS), ...Object.values(PLANTED_PSKS)];
}
