/* The crypto device: one software PMD used synchronously (CPU crypto) from the workers.
 *
 * crypto_aesni_mb covers AES-GCM, AES-CBC with HMAC-SHA1/SHA256 and ChaCha20-Poly1305 with
 * CPU crypto in DPDK 22.11, so every algorithm in algorithms.c runs on it without queues. */
#include <errno.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "internal.h"

#define CRYPTO_VDEV "crypto_aesni_mb_espdp"

static struct {
	int dev;
	struct rte_mempool *sess_pool;
} crypto = { .dev = -1 };

int crypto_init(void)
{
	int dev = rte_cryptodev_get_dev_id(CRYPTO_VDEV);
	if (dev < 0) {
		if (rte_vdev_init(CRYPTO_VDEV, "max_nb_queue_pairs=1") != 0)
			return dp_fail(ENODEV, "cannot create crypto device %s", CRYPTO_VDEV);
		dev = rte_cryptodev_get_dev_id(CRYPTO_VDEV);
		if (dev < 0)
			return dp_fail(ENODEV, "crypto device %s not found", CRYPTO_VDEV);
	}
	struct rte_cryptodev_info info;
	rte_cryptodev_info_get(dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO))
		return dp_fail(ENOTSUP, "crypto device %s has no CPU crypto", CRYPTO_VDEV);

	unsigned sess_size = rte_cryptodev_sym_get_private_session_size(dev);
	crypto.sess_pool = rte_cryptodev_sym_session_pool_create("espdp_sess", 4095, sess_size,
								  0, 0, rte_socket_id());
	if (!crypto.sess_pool)
		return dp_fail(ENOMEM, "cannot create crypto session pool");

	struct rte_cryptodev_config conf = { .socket_id = rte_socket_id(), .nb_queue_pairs = 1 };
	if (rte_cryptodev_configure(dev, &conf) < 0)
		return dp_fail(EIO, "cannot configure crypto device");
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 256, .mp_session = crypto.sess_pool };
	if (rte_cryptodev_queue_pair_setup(dev, 0, &qp, rte_socket_id()) < 0)
		return dp_fail(EIO, "cannot set up crypto queue pair");
	if (rte_cryptodev_start(dev) < 0)
		return dp_fail(EIO, "cannot start crypto device");
	crypto.dev = dev;
	return 0;
}

void *crypto_session_create(struct rte_crypto_sym_xform *xform)
{
	if (crypto.dev < 0)
		return NULL;
	return rte_cryptodev_sym_session_create(crypto.dev, xform, crypto.sess_pool);
}

/* The PMD's session holds expanded keys: it clears its private data on free. */
void crypto_session_free(void *sess)
{
	if (sess)
		rte_cryptodev_sym_session_free(crypto.dev, sess);
}

uint32_t crypto_process(void *sess, union rte_crypto_sym_ofs ofs, struct rte_crypto_sym_vec *vec)
{
	return rte_cryptodev_sym_cpu_crypto_process(crypto.dev, sess, ofs, vec);
}
