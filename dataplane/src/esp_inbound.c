/* Inbound tunnel-mode ESP (RFC 4303), plain or UDP-encapsulated (RFC 3948).
 * In: outer L3 packets of one SA, m->l3_len = offset of the ESP header (classify.c).
 * Out: the decrypted inner L3 packets, each checked against the inbound SPD (RFC 4301 5.2).
 *
 * Order per packet: length -> replay check (cheap, before crypto) -> ICV/decrypt ->
 * replay update (after the ICV verified, so forgeries cannot move the window) -> padding
 * -> inner header. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "internal.h"
#include "sa_shared.h"
#include "spread.h"

/* The body of both variants: `aead` is a constant in each, so the compiler drops the
 * other algorithm family's branches. */
static inline __attribute__((always_inline)) uint16_t esp_inbound_tunnel(struct sa *sa, struct worker *w, struct rte_mbuf **pkts,
				   uint16_t n, uint8_t *reason, const bool aead)
{
	struct sa_runtime *rt = sa->rt;
	struct sa_counters *cnt = sa_counters_of(sa, w);
	uint8_t status[DP_BURST];
	uint16_t op_pkt[DP_BURST], nop = 0;
	struct rte_mbuf *op_mbuf[DP_BURST];
	uint64_t seq_of[DP_BURST], seqs[DP_BURST];
	uint32_t min_ct = aead ? 4 : sa->block;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t plen = rte_pktmbuf_data_len(m) - m->l3_len;
		status[i] = 0;
		if (sa_life_spent(sa))
			status[i] = ESP_DP_DROP_lifetime_expired + 1;
		else if (plen < 8u + sa->iv_len + sa->icv_len + min_ct ||
			 ((plen - 8u - sa->iv_len - sa->icv_len) & (sa->block - 1u)) != 0)	/* powers of two: no division per packet */
			status[i] = ESP_DP_DROP_truncated + 1;
	}
	/* workers sharing the SA see one window: checked under its lock, held only for this
	 * tight loop, once per burst run (the cheap check before crypto; the update is after).
	 * A packet above the window's top, as nearly all are, needs no lock: the top only grows,
	 * so a number above a stale top is at worst judged again by the update; neither does a
	 * window of 0 (only 0 is refused). ESN infers the high half from the window: locked. */
	const struct replay *win = rt->replay;
	uint64_t top = __atomic_load_n(&win->top, __ATOMIC_RELAXED);
	bool locked = false;
	for (uint16_t i = 0; i < n; i++) {
		if (status[i])
			continue;
		uint32_t seq_lo_be;
		memcpy(&seq_lo_be, rte_pktmbuf_mtod_offset(pkts[i], uint8_t *, pkts[i]->l3_len + 4), 4);
		uint32_t seq_lo = rte_be_to_cpu_32(seq_lo_be);
		if (!sa->esn && (seq_lo > top || win->window == 0)) {
			seq_of[i] = seq_lo;
			if (seq_lo == 0)
				status[i] = ESP_DP_DROP_replay + 1;
			continue;
		}
		if (!locked) {
			rte_spinlock_lock(&rt->replay_lock);
			locked = true;
		}
		seq_of[i] = sa->esn ? replay_infer_esn(win, seq_lo) : seq_lo;
		int verdict = replay_check(win, seq_of[i]);
		if (verdict)
			status[i] = (uint8_t)(verdict + 1);
	}
	if (locked)
		rte_spinlock_unlock(&rt->replay_lock);

	for (uint16_t i = 0; i < n; i++) {
		if (status[i])
			continue;
		struct rte_mbuf *m = pkts[i];
		uint32_t off = m->l3_len;
		uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
		uint32_t ct_len = rte_pktmbuf_data_len(m) - off - 8u - sa->iv_len - sa->icv_len;
		uint64_t seq = seq_of[i];
		uint32_t seq_lo_be;
		memcpy(&seq_lo_be, esp + 4, 4);
		uint32_t seq_hi_be = rte_cpu_to_be_32((uint32_t)(seq >> 32));
		uint16_t k = nop;
		uint8_t *icv = esp + 8 + sa->iv_len + ct_len;
		if (aead) {
			memcpy(w->ivbuf[k], sa->salt, 4);
			memcpy(w->ivbuf[k] + 4, esp + 8, 8);
			memcpy(w->aadbuf[k], esp, 4);
			memcpy(w->aadbuf[k] + 4, sa->esn ? &seq_hi_be : &seq_lo_be, 4);
			memcpy(w->aadbuf[k] + 8, &seq_lo_be, 4);
			w->vec[k].base = esp + 8 + sa->iv_len;
			w->vec[k].len = ct_len;
			w->iv[k].va = w->ivbuf[k];
			w->aad[k].va = w->aadbuf[k];
			w->digest[k].va = icv;
		} else {
			w->vec[k].base = esp;
			w->vec[k].len = 8 + sa->iv_len + ct_len;
			w->iv[k].va = esp + 8;
			w->digest[k].va = icv;
			if (sa->esn) {
				/* the high bits are authenticated after the ciphertext: move the ICV
				 * aside and put them where it was */
				memcpy(w->digbuf[k], icv, sa->icv_len);
				memcpy(icv, &seq_hi_be, 4);
				w->vec[k].len += 4;
				w->digest[k].va = w->digbuf[k];
			}
		}
		w->vec[k].tot_len = w->vec[k].len;
		w->vec[k].iova = 0;
		w->sgl[k].vec = &w->vec[k];
		w->sgl[k].num = 1;
		seqs[k] = seq;
		op_mbuf[nop] = m;
		op_pkt[nop++] = i;
	}
	if (nop == 0)
		return dp_partition(pkts, n, status, reason);

	struct rte_crypto_sym_vec vec = { .num = nop, .src_sgl = w->sgl, .iv = w->iv,
					  .digest = w->digest, .aad = w->aad, .status = w->status };
	crypto_process(&sa->cs, &vec, op_mbuf, w->qp);
	uint64_t now = (uint64_t)time(NULL), good = 0, good_bytes = 0;
	/* the window moves only for packets whose ICV verified, so forgeries cannot move it;
	 * duplicates within the run or against another worker's packets are caught here. A burst
	 * of a spread stream (spread.c) leaves the update to its turn in the stream instead: its
	 * neighbours run on other cores, and a later burst moving the window first would make
	 * this one's packets look too old to a window of a few dozen */
	int verdict;
	struct spread_defer *defer = w->defer;
	if (!defer)
		rte_spinlock_lock(&rt->replay_lock);
	for (uint16_t k = 0; k < nop; k++) {
		uint16_t i = op_pkt[k];
		if (w->status[k] != 0)
			status[i] = (w->status[k] == EBADMSG ? ESP_DP_DROP_auth_failed : ESP_DP_DROP_crypto_failed) + 1;
		else if (!defer && (verdict = replay_update(rt->replay, seqs[k])) != 0)
			status[i] = (uint8_t)(verdict + 1);
	}
	if (!defer)
		rte_spinlock_unlock(&rt->replay_lock);
	for (uint16_t k = 0; k < nop; k++) {
		uint16_t i = op_pkt[k];
		struct rte_mbuf *m = pkts[i];
		if (status[i] != 0)
			continue;
		uint8_t *ct = (uint8_t *)w->vec[k].base + (aead ? 0 : 8 + sa->iv_len);
		uint32_t ct_len = w->vec[k].len - (aead ? 0 : 8 + sa->iv_len + (sa->esn ? 4 : 0));
		uint8_t pad = ct[ct_len - 2], next_hdr = ct[ct_len - 1];
		if (pad + 2u > ct_len) {
			status[i] = ESP_DP_DROP_bad_padding + 1;
			continue;
		}
		bool pad_ok = true;
		for (uint32_t b = 0; b < pad; b++)
			pad_ok &= ct[ct_len - 2 - pad + b] == (uint8_t)(b + 1);
		if (!pad_ok) {
			status[i] = ESP_DP_DROP_bad_padding + 1;
			continue;
		}
		uint32_t inner_max = ct_len - 2 - pad, inner_len = 0;
		if (next_hdr == IPPROTO_IPIP && inner_max >= 20 && (ct[0] >> 4) == 4)
			inner_len = rte_be_to_cpu_16(((struct rte_ipv4_hdr *)ct)->total_length);
		else if (next_hdr == IPPROTO_IPV6 && inner_max >= 40 && (ct[0] >> 4) == 6)
			inner_len = rte_be_to_cpu_16(((struct rte_ipv6_hdr *)ct)->payload_len) + 40u;
		/* TFC padding (RFC 4303 2.7) may make the payload longer than the inner packet */
		if (inner_len < 20 || inner_len > inner_max) {
			status[i] = ESP_DP_DROP_bad_inner + 1;
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(ct - rte_pktmbuf_mtod(m, uint8_t *)));
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - inner_len));
		if (defer)
			spread_defer_add(defer, sa, m, seqs[k], inner_len);
		good++;
		good_bytes += inner_len;
	}
	if (defer) {	/* the drain may take back a late duplicate from this slot (spread.c) */
		__atomic_fetch_add(&cnt->packets, good, __ATOMIC_RELAXED);
		__atomic_fetch_add(&cnt->bytes, good_bytes, __ATOMIC_RELAXED);
	} else {
		cnt->packets += good;
		cnt->bytes += good_bytes;
	}
	if (good)
		cnt->last_used = now;
	sa_life_count(sa, good, good_bytes);
	return dp_partition(pkts, n, status, reason);
}

static uint16_t esp_inbound_aead(struct sa *sa, struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				  uint8_t *reason)
{
	return esp_inbound_tunnel(sa, w, pkts, n, reason, true);
}

static uint16_t esp_inbound_cbc_hmac(struct sa *sa, struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				      uint8_t *reason)
{
	return esp_inbound_tunnel(sa, w, pkts, n, reason, false);
}

/* Chosen once, when the SA is installed. */
sa_process_fn esp_inbound_fn(const struct sa *sa)
{
	return sa->aead ? esp_inbound_aead : esp_inbound_cbc_hmac;
}

/* RFC 4301 5.2: a decrypted packet must match an inbound protect policy naming its SA, by SPI
 * or, as XFRM templates do, by reqid (so a rekeyed SA is accepted the moment it is installed). */
uint16_t esp_inbound_policy_check(struct sa *sa, const struct spd *spd, struct rte_mbuf **pkts,
				  uint16_t n, uint8_t *reason)
{
	union acl_key keys[DP_BURST];
	uint8_t family[DP_BURST] = { 0 }, status[DP_BURST];
	uint32_t res[DP_BURST];
	for (uint16_t i = 0; i < n; i++)
		family[i] = (uint8_t)spd_key(pkts[i], &keys[i]);
	spd_classify(spd, keys, family, n, res);
	for (uint16_t i = 0; i < n; i++) {
		const struct esp_dp_policy *p = res[i] ? &spd->pol[res[i] - 1] : NULL;
		bool ok = p && p->action == ESP_DP_PROTECT &&
			  ((p->spi && p->spi == sa->conf.spi) || (p->reqid && p->reqid == sa->conf.reqid));
		status[i] = ok ? 0 : ESP_DP_DROP_policy_mismatch + 1;
	}
	/* keep reasons of packets already behind n untouched: partition only the first n */
	return dp_partition(pkts, n, status, reason);
}
