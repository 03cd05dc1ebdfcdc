/* Crypto devices. Synchronous CPU crypto where the PMD has it — crypto_aesni_gcm for AES-GCM
 * (ipsec-mb's direct GCM API, the least per-op overhead for small packets) and
 * crypto_aesni_mb for AES-CBC+HMAC and ChaCha20-Poly1305 — and lookaside (enqueue/dequeue)
 * on crypto_openssl otherwise: on a CPU without AES-NI the aesni PMDs do not probe, and
 * ESPLANE_DP_CRYPTO=lookaside forces it (tests use that to cover this path).
 *
 * Both paths take the same vectors, so the ESP stages do not know which one ran. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "internal.h"

enum { DEV_GCM, DEV_MB, DEV_SSL, DEV_COUNT };
static const char *const vdev_names[DEV_COUNT] = {
	"crypto_aesni_gcm_espdp", "crypto_aesni_mb_espdp", "crypto_openssl_espdp" };

static struct {
	int dev[DEV_COUNT];
	bool cpu[DEV_COUNT];
	bool force_lookaside;
	struct rte_mempool *sess_pool;
	struct rte_mempool *op_pool;
} crypto = { .dev = { -1, -1, -1 } };

static int device_probe(unsigned k, unsigned nqp)
{
	char args[48];
	snprintf(args, sizeof(args), "max_nb_queue_pairs=%u", nqp);
	int dev = rte_cryptodev_get_dev_id(vdev_names[k]);
	if (dev < 0 && rte_vdev_init(vdev_names[k], args) == 0)
		dev = rte_cryptodev_get_dev_id(vdev_names[k]);
	if (dev < 0)
		return -ENODEV;
	struct rte_cryptodev_info info;
	rte_cryptodev_info_get((uint8_t)dev, &info);
	crypto.cpu[k] = (info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) != 0;
	return dev;
}

static int device_start(int dev, unsigned nqp)
{
	struct rte_cryptodev_config conf = { .socket_id = (int)rte_socket_id(), .nb_queue_pairs = (uint16_t)nqp };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 256, .mp_session = crypto.sess_pool };
	if (rte_cryptodev_configure((uint8_t)dev, &conf) < 0)
		return dp_fail(EIO, "cannot configure crypto device %d", dev);
	for (unsigned q = 0; q < nqp; q++)
		if (rte_cryptodev_queue_pair_setup((uint8_t)dev, (uint16_t)q, &qp, (int)rte_socket_id()) < 0)
			return dp_fail(EIO, "cannot set up queue pair %u of crypto device %d", q, dev);
	if (rte_cryptodev_start((uint8_t)dev) < 0)
		return dp_fail(EIO, "cannot start crypto device %d", dev);
	return 0;
}

int crypto_init(unsigned nworkers)
{
	unsigned nqp = nworkers ? nworkers : 1, sess_size = 0, found = 0;
	const char *mode = getenv("ESPLANE_DP_CRYPTO");
	crypto.force_lookaside = mode && strcmp(mode, "lookaside") == 0;
	for (unsigned k = 0; k < DEV_COUNT; k++) {
		int dev = device_probe(k, nqp);
		if (dev < 0)
			continue;	/* e.g. no AES-NI: the next device takes over */
		crypto.dev[k] = dev;
		found++;
		unsigned sz = rte_cryptodev_sym_get_private_session_size((uint8_t)dev);
		sess_size = sz > sess_size ? sz : sess_size;
	}
	if (!found)
		return dp_fail(ENODEV, "no crypto device (aesni_gcm, aesni_mb, openssl) could be created");
	/* one session pool for every device: elements as large as the largest private session */
	crypto.sess_pool = rte_cryptodev_sym_session_pool_create("espdp_sess", 4095, sess_size, 0, 0,
								  (int)rte_socket_id());
	crypto.op_pool = rte_crypto_op_pool_create("espdp_ops", RTE_CRYPTO_OP_TYPE_SYMMETRIC, 2047, 64, 16,
						   (int)rte_socket_id());
	if (!crypto.sess_pool || !crypto.op_pool)
		return dp_fail(ENOMEM, "cannot create crypto session/op pools");
	for (unsigned k = 0; k < DEV_COUNT; k++) {
		if (crypto.dev[k] < 0)
			continue;
		int rc = device_start(crypto.dev[k], nqp);
		if (rc)
			return rc;
	}
	return 0;
}

int crypto_session_create(struct rte_crypto_sym_xform *xform, struct crypto_sess *cs)
{
	bool gcm = xform->type == RTE_CRYPTO_SYM_XFORM_AEAD && xform->aead.algo == RTE_CRYPTO_AEAD_AES_GCM;
	/* preference order; a device that refuses the algorithm passes it on */
	unsigned order[4], n = 0;
	if (crypto.force_lookaside)
		order[n++] = DEV_SSL;
	if (gcm)
		order[n++] = DEV_GCM;
	order[n++] = DEV_MB;
	if (!crypto.force_lookaside)
		order[n++] = DEV_SSL;
	for (unsigned i = 0; i < n; i++) {
		int d = crypto.dev[order[i]];
		if (d < 0)
			continue;
		void *sess = rte_cryptodev_sym_session_create((uint8_t)d, xform, crypto.sess_pool);
		if (!sess)
			continue;
		cs->sess = sess;
		cs->dev = (uint8_t)d;
		cs->lookaside = !crypto.cpu[order[i]] || order[i] == DEV_SSL;
		return 0;
	}
	return -ENOTSUP;
}

/* The PMD's session holds expanded keys: it clears its private data on free. */
void crypto_session_free(struct crypto_sess *cs)
{
	if (cs->sess)
		rte_cryptodev_sym_session_free(cs->dev, cs->sess);
	cs->sess = NULL;
}

static void lookaside(const struct crypto_sess *cs, struct rte_crypto_sym_vec *vec, struct rte_mbuf **mbufs,
		      uint16_t qp)
{
	struct rte_crypto_op *ops[DP_BURST];
	uint32_t n = vec->num > DP_BURST ? DP_BURST : vec->num;
	if (rte_crypto_op_bulk_alloc(crypto.op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC, ops, (uint16_t)n) == 0) {
		for (uint32_t k = 0; k < vec->num; k++)
			vec->status[k] = ENOMEM;
		return;
	}
	for (uint32_t k = 0; k < n; k++) {
		struct rte_crypto_op *op = ops[k];
		struct rte_crypto_sym_op *sym = op->sym;
		const struct rte_crypto_vec *v = &vec->src_sgl[k].vec[0];
		uint32_t off = (uint32_t)((uint8_t *)v->base - rte_pktmbuf_mtod(mbufs[k], uint8_t *));
		rte_crypto_op_attach_sym_session(op, cs->sess);
		sym->m_src = mbufs[k];
		sym->m_dst = NULL;
		memcpy(rte_crypto_op_ctod_offset(op, uint8_t *, DP_CRYPTO_IV_OFFSET), vec->iv[k].va, cs->iv_len);
		if (cs->aead) {
			sym->aead.data.offset = off;
			sym->aead.data.length = v->len;
			sym->aead.digest.data = vec->digest[k].va;
			sym->aead.aad.data = vec->aad[k].va;
		} else {
			sym->cipher.data.offset = off + cs->ofs.ofs.cipher.head;
			sym->cipher.data.length = v->len - cs->ofs.ofs.cipher.head - cs->ofs.ofs.cipher.tail;
			sym->auth.data.offset = off + cs->ofs.ofs.auth.head;
			sym->auth.data.length = v->len - cs->ofs.ofs.auth.head - cs->ofs.ofs.auth.tail;
			sym->auth.digest.data = vec->digest[k].va;
		}
	}
	uint16_t sent = rte_cryptodev_enqueue_burst(cs->dev, qp, ops, (uint16_t)n);
	struct rte_crypto_op *done[DP_BURST];
	/* a software PMD completes each op inside dequeue: this loop does not wait on hardware */
	for (uint16_t got = 0; got < sent;)
		got += rte_cryptodev_dequeue_burst(cs->dev, qp, done + got, (uint16_t)(sent - got));
	for (uint32_t k = 0; k < n; k++) {
		uint8_t st = k < sent ? ops[k]->status : RTE_CRYPTO_OP_STATUS_ERROR;
		vec->status[k] = st == RTE_CRYPTO_OP_STATUS_SUCCESS ? 0
			: st == RTE_CRYPTO_OP_STATUS_AUTH_FAILED ? EBADMSG : EIO;
	}
	rte_mempool_put_bulk(crypto.op_pool, (void **)ops, n);
}

void crypto_process(const struct crypto_sess *cs, struct rte_crypto_sym_vec *vec, struct rte_mbuf **mbufs,
		    uint16_t qp)
{
	if (cs->lookaside)
		lookaside(cs, vec, mbufs, qp);
	else
		rte_cryptodev_sym_cpu_crypto_process(cs->dev, cs->sess, cs->ofs, vec);
}
