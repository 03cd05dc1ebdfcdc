import test from 'ava';
import { ESP_PROPOSALS, checkAead, checkCipher, checkIntegrity, espProposal, proposalKeywordFor } from '../../operator/api/algorithms.js';

const table: Array<[string, string, number, number]> = [
	// keyword, xfrm name, key bits incl. salt (or cipher key bits), icv/trunc bits
	['aes128gcm16', 'rfc4106(gcm(aes))', 160, 128],
	['aes256gcm16', 'rfc4106(gcm(aes))', 288, 128],
	['chacha20poly1305', 'rfc7539esp(chacha20,poly1305)', 288, 128],
];

for (const [keyword, xfrmName, keyBits, icvBits] of table) {
	test(`${keyword} is ${xfrmName} with a ${keyBits}-bit key and a ${icvBits}-bit ICV`, t => {
		const p = espProposal(keyword);
		t.is(p?.aead?.xfrmName as string | undefined, xfrmName);
		t.is(checkAead(xfrmName, keyBits, icvBits), undefined);
		t.is(p && p.aead && proposalKeywordFor({ aead: { ...p.aead, keyBits: keyBits - 32, icvBits } }), keyword);
	});
}

test('aes128-sha1 and aes256-sha256 are cbc(aes) with HMAC-SHA1-96 and HMAC-SHA-256-128', t => {
	t.deepEqual(espProposal('aes128-sha1'), { keyword: 'aes128-sha1', enc: { xfrmName: 'cbc(aes)', keyBits: 128 }, auth: { xfrmName: 'hmac(sha1)', truncBits: 96 } });
	t.deepEqual(espProposal('aes256-sha256')?.auth, { xfrmName: 'hmac(sha256)', truncBits: 128 });
	t.is(checkCipher('cbc(aes)', 256), undefined);
	t.is(checkIntegrity('hmac(sha1)', 160, 96), undefined);
	t.is(checkIntegrity('hmac(sha256)', 256, 128), undefined);
});

test('every proposal keyword maps back to itself', t => {
	for (const p of ESP_PROPOSALS) {
		const { keyword, ...transform } = p;
		t.is(proposalKeywordFor(transform), keyword);
	}
});

test('unsupported algorithms and sizes are named in the reason', t => {
	t.regex(checkAead('rfc4309(ccm(aes))', 152, 128) ?? '', /unsupported AEAD algorithm rfc4309/);
	t.regex(checkAead('rfc4106(gcm(aes))', 128, 128) ?? '', /key length 128 bits/);
	t.regex(checkCipher('cbc(des3_ede)', 192) ?? '', /unsupported cipher/);
	t.regex(checkIntegrity('hmac(md5)', 128, 96) ?? '', /unsupported integrity/);
	t.regex(checkIntegrity('hmac(sha256)', 256, 96) ?? '', /truncation 96/);
	t.is(espProposal('3des-md5'), undefined);
	// What the dataplane's C side refuses is not in the table either.
	t.regex(checkAead('rfc4106(gcm(aes))', 224, 128) ?? '', /key length 224 bits/);
	t.regex(checkAead('rfc4106(gcm(aes))', 160, 64) ?? '', /ICV length 64 bits/);
	t.regex(checkCipher('cbc(aes)', 192) ?? '', /key length 192 bits/);
	t.is(espProposal('aes128gcm8'), undefined);
	t.is(espProposal('aes192-sha256'), undefined);
});
