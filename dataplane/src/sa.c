/* One SA: validated, and everything per packet decided here once — the crypto session, the
 * outer header template and the processing function. Keys live only in the crypto session;
 * every copy the library made is zeroed. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cryptodev.h>
#include <rte_log.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "internal.h"

static bool addr_ok(const struct esp_dp_addr *a)
{
	return a->family == 4 || a->family == 6;
}

int sa_validate(const struct esp_dp_sa *c)
{
	if (c->spi < 256)
		return dp_fail(EINVAL, "spi: 0x%x is reserved (must be >= 0x100)", c->spi);
	if (c->dir != ESP_DP_DIR_IN && c->dir != ESP_DP_DIR_OUT)
		return dp_fail(EINVAL, "dir: must be in or out");
	if (!addr_ok(&c->src) || !addr_ok(&c->dst))
		return dp_fail(EINVAL, "src/dst: not an IPv4 or IPv6 address");
	if (c->src.family != c->dst.family)
		return dp_fail(EINVAL, "src/dst: address families differ");
	if (c->replay_window > DP_REPLAY_MAX)
		return dp_fail(EINVAL, "replayWindow: %u exceeds %u", c->replay_window, DP_REPLAY_MAX);
	if (c->encap > 1)
		return dp_fail(EINVAL, "encap.type: unknown");
	if (c->encap && (c->encap_sport == 0 || c->encap_dport == 0))
		return dp_fail(EINVAL, "encap: sport and dport must be non-zero");
	if (c->mss_clamp && (c->mss_clamp < DP_MSS_MIN || c->mss_clamp > DP_MTU_MAX - 40))
		return dp_fail(EINVAL, "mssClamp: %u, must be 0 (off) or %u..%u", c->mss_clamp, DP_MSS_MIN,
			       DP_MTU_MAX - 40);
	if (c->aead[0]) {
		const struct alg *a = alg_find(c->aead, ALG_AEAD);
		if (!a)
			return dp_fail(EINVAL, "aead.name: unknown AEAD algorithm \"%.*s\"", ESP_DP_ALG_NAME_LEN, c->aead);
		if (c->enc[0] || c->auth[0])
			return dp_fail(EINVAL, "aead: cannot be combined with enc/auth");
		if (c->aead_key_len == 0 || (c->aead_key_len != a->key_len[0] && c->aead_key_len != a->key_len[1]))
			return dp_fail(EINVAL, "aead.key: %u bytes, %s takes %u%s%.0u bytes (salt included)",
				       c->aead_key_len, a->name, a->key_len[0], a->key_len[1] ? " or " : "",
				       a->key_len[1]);
		if (c->icv_bits != a->icv_bits)
			return dp_fail(EINVAL, "aead.icvBits: %u, %s supports %u", c->icv_bits, a->name, a->icv_bits);
		return 0;
	}
	if (!c->enc[0])
		return dp_fail(EINVAL, "aead/enc: an SA needs aead or enc+auth");
	const struct alg *e = alg_find(c->enc, ALG_CIPHER);
	if (!e)
		return dp_fail(EINVAL, "enc.name: unknown cipher \"%.*s\"", ESP_DP_ALG_NAME_LEN, c->enc);
	if (c->enc_key_len == 0 || (c->enc_key_len != e->key_len[0] && c->enc_key_len != e->key_len[1]))
		return dp_fail(EINVAL, "enc.key: %u bytes, %s takes %u or %u bytes", c->enc_key_len, e->name,
			       e->key_len[0], e->key_len[1]);
	if (!c->auth[0])
		return dp_fail(EINVAL, "auth: %s needs an auth algorithm", e->name);
	const struct alg *a = alg_find(c->auth, ALG_AUTH);
	if (!a)
		return dp_fail(EINVAL, "auth.name: unknown auth algorithm \"%.*s\"", ESP_DP_ALG_NAME_LEN, c->auth);
	if (c->auth_key_len != a->key_len[0])
		return dp_fail(EINVAL, "auth.key: %u bytes, %s takes %u bytes", c->auth_key_len, a->name,
			       a->key_len[0]);
	if (c->icv_bits != a->icv_bits)
		return dp_fail(EINVAL, "auth.truncBits: %u, %s supports %u", c->icv_bits, a->name, a->icv_bits);
	return 0;
}

static int make_session(struct sa *sa, const struct esp_dp_sa *c)
{
	bool out = c->dir == ESP_DP_DIR_OUT;
	struct rte_crypto_sym_xform aead = { 0 }, cipher = { 0 }, auth = { 0 };
	uint8_t key[ESP_DP_KEY_MAX];
	int rc;

	if (c->aead[0]) {
		const struct alg *a = alg_find(c->aead, ALG_AEAD);
		uint32_t klen = c->aead_key_len - a->salt_len;
		memcpy(key, c->aead_key, klen);
		memcpy(sa->salt, c->aead_key + klen, a->salt_len);
		aead.type = RTE_CRYPTO_SYM_XFORM_AEAD;
		aead.aead.op = out ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
		aead.aead.algo = a->dpdk;
		aead.aead.key.data = key;
		aead.aead.key.length = klen;
		aead.aead.iv.offset = DP_CRYPTO_IV_OFFSET;
		aead.aead.iv.length = 12;
		aead.aead.digest_length = sa->icv_len;
		aead.aead.aad_length = sa->aad_len;
		rc = crypto_session_create(&aead, &sa->cs);
	} else {
		const struct alg *e = alg_find(c->enc, ALG_CIPHER), *a = alg_find(c->auth, ALG_AUTH);
		memcpy(key, c->enc_key, c->enc_key_len);
		cipher.type = RTE_CRYPTO_SYM_XFORM_CIPHER;
		cipher.cipher.op = out ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT;
		cipher.cipher.algo = e->dpdk;
		cipher.cipher.key.data = key;
		cipher.cipher.key.length = c->enc_key_len;
		cipher.cipher.iv.offset = DP_CRYPTO_IV_OFFSET;
		cipher.cipher.iv.length = e->iv_len;
		auth.type = RTE_CRYPTO_SYM_XFORM_AUTH;
		auth.auth.op = out ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
		auth.auth.algo = a->dpdk;
		auth.auth.key.data = (uint8_t *)c->auth_key;
		auth.auth.key.length = c->auth_key_len;
		auth.auth.digest_length = sa->icv_len;
		/* encrypt-then-MAC outbound, verify-then-decrypt inbound */
		if (out)
			cipher.next = &auth;
		else
			auth.next = &cipher;
		rc = crypto_session_create(out ? &cipher : &auth, &sa->cs);
	}
	explicit_bzero(key, sizeof(key));
	return rc;
}

static void build_template(struct sa *sa, const struct esp_dp_sa *c)
{
	uint8_t *p = sa->hdr;
	uint8_t proto = c->encap ? IPPROTO_UDP : IPPROTO_ESP;
	if (c->src.family == 4) {
		struct rte_ipv4_hdr *ip = (void *)p;
		ip->version_ihl = 0x45;
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
		memcpy(&ip->src_addr, c->src.addr, 4);
		memcpy(&ip->dst_addr, c->dst.addr, 4);
		/* per packet only total_length and packet_id change: add them to this (RFC 1071) */
		sa->hdr_csum = rte_raw_cksum(ip, sizeof(*ip));
		p += sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip = (void *)p;
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = proto;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, c->src.addr, 16);
		memcpy(ip->dst_addr, c->dst.addr, 16);
		p += sizeof(*ip);
	}
	if (c->encap) {
		struct rte_udp_hdr *udp = (void *)p;
		udp->src_port = rte_cpu_to_be_16(c->encap_sport);
		udp->dst_port = rte_cpu_to_be_16(c->encap_dport);
		p += sizeof(*udp);
	}
	memcpy(p, &sa->spi_be, 4);
	sa->hdr_len = (uint8_t)(p - sa->hdr) + 8 + sa->iv_len;
}

int sa_create(const struct esp_dp_sa *c, struct sa **out)
{
	int rc = sa_validate(c);
	if (rc)
		return rc;
	struct sa *sa = rte_zmalloc("espdp_sa", sizeof(*sa), RTE_CACHE_LINE_SIZE);
	struct sa_runtime *rt = rte_zmalloc("espdp_sa_rt", sizeof(*rt), RTE_CACHE_LINE_SIZE);
	if (!sa || !rt) {
		rte_free(sa);
		rte_free(rt);
		return dp_fail(ENOMEM, "out of memory for SA");
	}
	sa->rt = rt;
	rte_spinlock_init(&rt->replay_lock);
	sa->spi_be = rte_cpu_to_be_32(c->spi);
	sa->dir = c->dir;
	sa->esn = c->esn;
	sa->aead = c->aead[0] != 0;
	sa->outer_family = c->dst.family;
	sa->udp = c->encap;
	sa->hard_bytes = c->hard_bytes ? c->hard_bytes : UINT64_MAX;
	sa->hard_packets = c->hard_packets ? c->hard_packets : UINT64_MAX;
	sa->volume_limited = c->hard_bytes || c->hard_packets;
	sa->icv_len = c->icv_bits / 8;
	if (sa->aead) {
		const struct alg *a = alg_find(c->aead, ALG_AEAD);
		sa->iv_len = a->iv_len;
		sa->block = a->block;
		sa->aad_len = c->esn ? 12 : 8;
	} else {
		const struct alg *e = alg_find(c->enc, ALG_CIPHER);
		sa->iv_len = e->iv_len;
		sa->block = e->block;
		/* The vector starts at the ESP header: authenticate all of it, encrypt after the
		 * IV; with ESN the high sequence bits sit after the ciphertext, authenticated only. */
		sa->cs.ofs.ofs.cipher.head = 8 + e->iv_len;
		sa->cs.ofs.ofs.cipher.tail = c->esn ? 4 : 0;
	}
	build_template(sa, c);

	if (c->dir == ESP_DP_DIR_IN) {
		rt->replay = rte_zmalloc("espdp_replay", replay_size(c->replay_window), RTE_CACHE_LINE_SIZE);
		if (!rt->replay) {
			rte_free(rt);
			rte_free(sa);
			return dp_fail(ENOMEM, "out of memory for replay window");
		}
		replay_init(rt->replay, c->replay_window, c->seq);
	} else {
		atomic_store(&rt->seq, c->seq);
	}

	sa->cs.aead = sa->aead;
	sa->cs.iv_len = sa->aead ? 12 : sa->iv_len;
	if (make_session(sa, c) != 0) {
		rte_free(rt->replay);
		rte_free(rt);
		explicit_bzero(sa, sizeof(*sa));
		rte_free(sa);
		return dp_fail(ENOTSUP, "crypto device refused the session for spi 0x%x", c->spi);
	}
	sa->conf = *c;
	explicit_bzero(sa->conf.aead_key, sizeof(sa->conf.aead_key));
	explicit_bzero(sa->conf.enc_key, sizeof(sa->conf.enc_key));
	explicit_bzero(sa->conf.auth_key, sizeof(sa->conf.auth_key));
	sa->process = c->dir == ESP_DP_DIR_IN ? esp_inbound_fn(sa) : esp_outbound_fn(sa);
	RTE_LOG(INFO, USER1, "esplane: SA spi 0x%x %s on %s (%s)\n", c->spi, c->dir == ESP_DP_DIR_IN ? "in" : "out",
		rte_cryptodev_name_get(sa->cs.dev), sa->cs.lookaside ? "lookaside" : "cpu crypto");
	*out = sa;
	return 0;
}

void sa_free(struct sa *sa)
{
	if (!sa)
		return;
	crypto_session_free(&sa->cs);
	if (!sa->rt_shared) {
		rte_free(sa->rt->replay);
		rte_free(sa->rt);
	}
	explicit_bzero(sa, sizeof(*sa));	/* salt, template */
	rte_free(sa);
}

static bool addr_eq(const struct esp_dp_addr *a, const struct esp_dp_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

bool sa_same_key(const struct sa *sa, uint32_t spi, uint8_t dir, const struct esp_dp_addr *dst)
{
	return sa->conf.spi == spi && sa->conf.dir == dir && addr_eq(&sa->conf.dst, dst);
}
