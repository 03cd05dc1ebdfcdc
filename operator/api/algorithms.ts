// The one algorithm table: every ESP algorithm esplane can program, with its name in each
// world it crosses — XFRM (`ip xfrm state`, which is also the dataplane's DpSa name),
// DPDK's crypto enum, and strongSwan's ESP proposal keyword — and the sizes that must agree
// between them. Data, not code: the XFRM mirror, the VICI translation, the dataplane binding
// and the tests all read this table, so adding an algorithm is one row here.

/** AEAD transforms. The XFRM/dataplane key carries the 4-byte salt at its end. */
export interface AeadAlgorithm {
	kind: 'aead';
	xfrmName: 'rfc4106(gcm(aes))' | 'rfc7539esp(chacha20,poly1305)';
	dpdk: 'RTE_CRYPTO_AEAD_AES_GCM' | 'RTE_CRYPTO_AEAD_CHACHA20_POLY1305';
	/** cipher key sizes in bits, salt not included */
	keyBits: readonly number[];
	saltBits: 32;
	/** ICV sizes the dataplane supports, in bits */
	icvBits: readonly number[];
}

/** Ciphers used together with an integrity algorithm. */
export interface CipherAlgorithm {
	kind: 'enc';
	xfrmName: 'cbc(aes)';
	dpdk: 'RTE_CRYPTO_CIPHER_AES_CBC';
	keyBits: readonly number[];
}

/** Integrity algorithms; ESP truncates the MAC to truncBits. */
export interface IntegrityAlgorithm {
	kind: 'auth';
	xfrmName: 'hmac(sha1)' | 'hmac(sha256)';
	dpdk: 'RTE_CRYPTO_AUTH_SHA1_HMAC' | 'RTE_CRYPTO_AUTH_SHA256_HMAC';
	keyBits: number;
	/** truncation lengths the dataplane supports; the first is the RFC default */
	truncBits: readonly number[];
}

export type Algorithm = AeadAlgorithm | CipherAlgorithm | IntegrityAlgorithm;

export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = [
	{ kind: 'aead', xfrmName: 'rfc4106(gcm(aes))', dpdk: 'RTE_CRYPTO_AEAD_AES_GCM', keyBits: [128, 256], saltBits: 32, icvBits: [128] },
	{ kind: 'aead', xfrmName: 'rfc7539esp(chacha20,poly1305)', dpdk: 'RTE_CRYPTO_AEAD_CHACHA20_POLY1305', keyBits: [256], saltBits: 32, icvBits: [128] },
];

export const CIPHER_ALGORITHMS: readonly CipherAlgorithm[] = [
	{ kind: 'enc', xfrmName: 'cbc(aes)', dpdk: 'RTE_CRYPTO_CIPHER_AES_CBC', keyBits: [128, 256] },
];

export const INTEGRITY_ALGORITHMS: readonly IntegrityAlgorithm[] = [
	// RFC 2404: HMAC-SHA1-96; RFC 4868: HMAC-SHA-256-128 (strongSwan's default for sha256).
	{ kind: 'auth', xfrmName: 'hmac(sha1)', dpdk: 'RTE_CRYPTO_AUTH_SHA1_HMAC', keyBits: 160, truncBits: [96] },
	{ kind: 'auth', xfrmName: 'hmac(sha256)', dpdk: 'RTE_CRYPTO_AUTH_SHA256_HMAC', keyBits: 256, truncBits: [128] },
];

/**
 * One strongSwan ESP proposal keyword and the XFRM transform it becomes. Keywords follow
 * strongSwan's proposal syntax (`aes128gcm16` = AES-GCM, 128-bit key, 16-byte ICV).
 */
export interface EspProposal {
	keyword: string;
	aead?: { xfrmName: AeadAlgorithm['xfrmName']; keyBits: number; icvBits: number };
	enc?: { xfrmName: CipherAlgorithm['xfrmName']; keyBits: number };
	auth?: { xfrmName: IntegrityAlgorithm['xfrmName']; truncBits: number };
}

function gcm(keyBits: number, icvBytes: number): EspProposal {
	return { keyword: `aes${keyBits}gcm${icvBytes}`, aead: { xfrmName: 'rfc4106(gcm(aes))', keyBits, icvBits: icvBytes * 8 } };
}

function cbc(keyBits: number, integ: 'sha1' | 'sha256'): EspProposal {
	const auth = integ === 'sha1'
		? { xfrmName: 'hmac(sha1)' as const, truncBits: 96 }
		: { xfrmName: 'hmac(sha256)' as const, truncBits: 128 };
	return { keyword: `aes${keyBits}-${integ}`, enc: { xfrmName: 'cbc(aes)', keyBits }, auth };
}

export const ESP_PROPOSALS: readonly EspProposal[] = [
	...[128, 256].map(bits => gcm(bits, 16)),
	{ keyword: 'chacha20poly1305', aead: { xfrmName: 'rfc7539esp(chacha20,poly1305)', keyBits: 256, icvBits: 128 } },
	...[128, 256].flatMap(bits => [cbc(bits, 'sha1'), cbc(bits, 'sha256')]),
];

export function aeadByXfrmName(name: string): AeadAlgorithm | undefined {
	return AEAD_ALGORITHMS.find(a => a.xfrmName === name);
}

export function cipherByXfrmName(name: string): CipherAlgorithm | undefined {
	return CIPHER_ALGORITHMS.find(a => a.xfrmName === name);
}

export function integrityByXfrmName(name: string): IntegrityAlgorithm | undefined {
	return INTEGRITY_ALGORITHMS.find(a => a.xfrmName === name);
}

/** {keyword} => the proposal, or undefined when esplane's dataplane cannot run it */
export function espProposal(keyword: string): EspProposal | undefined {
	return ESP_PROPOSALS.find(p => p.keyword === keyword.toLowerCase());
}

/**
 * {XFRM transform} => the strongSwan keyword that negotiates it, or undefined.
 * The reverse of espProposal, so a proposal list can be checked against what was installed.
 */
export function proposalKeywordFor(t: Omit<EspProposal, 'keyword'>): string | undefined {
	return ESP_PROPOSALS.find(p =>
		p.aead?.xfrmName === t.aead?.xfrmName && p.aead?.keyBits === t.aead?.keyBits && p.aead?.icvBits === t.aead?.icvBits
		&& p.enc?.xfrmName === t.enc?.xfrmName && p.enc?.keyBits === t.enc?.keyBits
		&& p.auth?.xfrmName === t.auth?.xfrmName && p.auth?.truncBits === t.auth?.truncBits,
	)?.keyword;
}

/** Why an algorithm cannot be programmed, or undefined when it can. Key lengths in bits, salt included for AEAD. */
export function checkAead(name: string, keyBitsWithSalt: number, icvBits: number): string | undefined {
	const a = aeadByXfrmName(name);
	if (!a) return `unsupported AEAD algorithm ${name}`;
	if (!a.keyBits.includes(keyBitsWithSalt - a.saltBits)) return `unsupported ${name} key length ${keyBitsWithSalt} bits (salt included)`;
	if (!a.icvBits.includes(icvBits)) return `unsupported ${name} ICV length ${icvBits} bits`;
	return undefined;
}

export function checkCipher(name: string, keyBits: number): string | undefined {
	const c = cipherByXfrmName(name);
	if (!c) return `unsupported cipher ${name}`;
	if (!c.keyBits.includes(keyBits)) return `unsupported ${name} key length ${keyBits} bits`;
	return undefined;
}

export function checkIntegrity(name: string, keyBits: number, truncBits: number): string | undefined {
	const i = integrityByXfrmName(name);
	if (!i) return `unsupported integrity algorithm ${name}`;
	if (keyBits !== i.keyBits) return `unsupported ${name} key length ${keyBits} bits`;
	if (!i.truncBits.includes(truncBits)) return `unsupported ${name} truncation ${truncBits} bits`;
	return undefined;
}
