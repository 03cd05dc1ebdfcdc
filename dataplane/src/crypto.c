/* The crypto device: one software PMD used synchronously (CPU crypto) from the workers.
 *
 * crypto_aesni_mb covers AES-GCM, AES-CBC with HMAC-SHA1/SHA256 and ChaCha20-Poly1305 with
 * CPU crypto in DPDK 22.11, so every algorithm in algorithms.c runs without queues. */
#include <errno.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "internal.h"

/* AES-GCM goes to crypto_aesni_gcm (ipsec-mb's direct GCM API: less per-op overhead for small
 * packets); everything else to crypto_aesni_mb. Both in CPU-crypto mode. */
enum { DEV_MB, DEV_GCM, DEV_COUNT };
static const char *const vdev_names[DEV_COUNT] = { "crypto_aesni_mb_espdp", "crypto_aesni_gcm_espdp" };

static struct {
	int dev[DEV_COUNT];
	struct rte_mempool *sess_pool;
} crypto = { .dev = { -1, -1 } };

static int device_probe(unsigned k)
{
	int dev = rte_cryptodev_get_dev_id(vdev_names[k]);
	if (dev < 0) {
		if (rte_vdev_init(vdev_names[k], "max_nb_queue_pairs=1") != 0)
			return dp_fail(ENODEV, "cannot create crypto device %s", vdev_names[k]);
		dev = rte_cryptodev_get_dev_id(vdev_names[k]);
		if (dev < 0)
			return dp_fail(ENODEV, "crypto device %s not found", vdev_names[k]);
	}
	struct rte_cryptodev_info info;
	rte_cryptodev_info_get((uint8_t)dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO))
		return dp_fail(ENOTSUP, "crypto device %s has no CPU crypto", vdev_names[k]);
	return dev;
}

static int device_start(int dev)
{
	struct rte_cryptodev_config conf = { .socket_id = (int)rte_socket_id(), .nb_queue_pairs = 1 };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 256, .mp_session = crypto.sess_pool };
	if (rte_cryptodev_configure((uint8_t)dev, &conf) < 0 ||
	    rte_cryptodev_queue_pair_setup((uint8_t)dev, 0, &qp, (int)rte_socket_id()) < 0 ||
	    rte_cryptodev_start((uint8_t)dev) < 0)
		return dp_fail(EIO, "cannot start crypto device %d", dev);
	return 0;
}

int crypto_init(void)
{
	unsigned sess_size = 0;
	for (unsigned k = 0; k < DEV_COUNT; k++) {
		int dev = device_probe(k);
		if (dev < 0)
			return dev;
		crypto.dev[k] = dev;
		unsigned sz = rte_cryptodev_sym_get_private_session_size((uint8_t)dev);
		sess_size = sz > sess_size ? sz : sess_size;
	}
	/* one pool for both devices: elements as large as the larger private session */
	crypto.sess_pool = rte_cryptodev_sym_session_pool_create("espdp_sess", 4095, sess_size, 0, 0,
								  (int)rte_socket_id());
	if (!crypto.sess_pool)
		return dp_fail(ENOMEM, "cannot create crypto session pool");
	for (unsigned k = 0; k < DEV_COUNT; k++) {
		int rc = device_start(crypto.dev[k]);
		if (rc)
			return rc;
	}
	return 0;
}

void *crypto_session_create(struct rte_crypto_sym_xform *xform, uint8_t *dev)
{
	bool gcm = xform->type == RTE_CRYPTO_SYM_XFORM_AEAD && xform->aead.algo == RTE_CRYPTO_AEAD_AES_GCM;
	int d = crypto.dev[gcm ? DEV_GCM : DEV_MB];
	if (d < 0)
		return NULL;
	*dev = (uint8_t)d;
	return rte_cryptodev_sym_session_create((uint8_t)d, xform, crypto.sess_pool);
}

/* The PMD's session holds expanded keys: it clears its private data on free. */
void crypto_session_free(uint8_t dev, void *sess)
{
	if (sess)
		rte_cryptodev_sym_session_free(dev, sess);
}

uint32_t crypto_process(uint8_t dev, void *sess, union rte_crypto_sym_ofs ofs, struct rte_crypto_sym_vec *vec)
{
	return rte_cryptodev_sym_cpu_crypto_process(dev, sess, ofs, vec);
}
