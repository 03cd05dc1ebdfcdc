/* The algorithms esplane speaks, as data: XFRM name -> DPDK enum, key/IV/ICV geometry.
 * GCM and ChaCha20-Poly1305 keys carry a 4-byte salt at the end, as XFRM's do. */
#include <string.h>

#include <rte_crypto_sym.h>

#include "internal.h"

static const struct alg algorithms[] = {
	{ "rfc4106(gcm(aes))", ALG_AEAD, RTE_CRYPTO_AEAD_AES_GCM, { 20, 36 }, 4, 8, 4, 128 },
	{ "rfc7539esp(chacha20,poly1305)", ALG_AEAD, RTE_CRYPTO_AEAD_CHACHA20_POLY1305,
	  { 36, 0 }, 4, 8, 4, 128 },
	{ "cbc(aes)", ALG_CIPHER, RTE_CRYPTO_CIPHER_AES_CBC, { 16, 32 }, 0, 16, 16, 0 },
	{ "hmac(sha1)", ALG_AUTH, RTE_CRYPTO_AUTH_SHA1_HMAC, { 20, 0 }, 0, 0, 0, 96 },
	{ "hmac(sha256)", ALG_AUTH, RTE_CRYPTO_AUTH_SHA256_HMAC, { 32, 0 }, 0, 0, 0, 128 },
};

const struct alg *alg_find(const char *name, enum alg_kind kind)
{
	for (size_t i = 0; i < RTE_DIM(algorithms); i++)
		if (algorithms[i].kind == kind && strcmp(algorithms[i].name, name) == 0)
			return &algorithms[i];
	return NULL;
}
