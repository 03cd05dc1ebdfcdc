/* Outbound tunnel-mode ESP (RFC 4303), optionally UDP-encapsulated (RFC 3948).
 * In: inner L3 packets of one SA. Out: outer L3 packets ready to route.
 *
 *  [outer IP][UDP]?[SPI|seq][IV][inner packet|pad|padlen|next hdr][ICV]
 *                  '------- AEAD: AAD = SPI|seq(hi)|seq ---------'
 * CBC+HMAC authenticates from the SPI to the end of the ciphertext, plus the high sequence
 * bits with ESN, which are put where the ICV goes and replaced by it afterwards. */
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_log.h>
#include <rte_udp.h>

#include "internal.h"
#include "sa_shared.h"

/* CBC needs unpredictable IVs: take them from the kernel's CSPRNG, 4 KiB at a time. */
static inline const uint8_t *random_bytes(struct worker *w, uint32_t n)
{
	if (w->rnd_pos + n > sizeof(w->rnd) || w->rnd_pos == 0) {
		if (getrandom(w->rnd, sizeof(w->rnd), 0) != (ssize_t)sizeof(w->rnd))
			return NULL;
		w->rnd_pos = 0;
	}
	const uint8_t *p = w->rnd + w->rnd_pos;
	w->rnd_pos += n;
	return p;
}

/* The body of both variants: `aead` is a constant in each, so the compiler drops the
 * other algorithm family's branches. */
static inline __attribute__((always_inline)) uint16_t esp_outbound_tunnel(struct sa *sa, struct worker *w, struct rte_mbuf **pkts,
				    uint16_t n, uint8_t *reason, const bool aead)
{
	struct sa_runtime *rt = sa->rt;
	struct sa_counters *cnt = sa_counters_of(sa, w);
	uint8_t status[DP_BURST] = { 0 };
	uint16_t op_pkt[DP_BURST], nop = 0;
	struct rte_mbuf *op_mbuf[DP_BURST];
	uint8_t ip_len = sa->outer_family == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint8_t esp_at = ip_len + (sa->udp ? sizeof(struct rte_udp_hdr) : 0);
	uint64_t seq_max = sa->esn ? UINT64_MAX : UINT32_MAX;
	uint8_t stopped0 = sa_stopped(rt);
	bool reserved = !stopped0;
	uint64_t seq0 = reserved ? sa_seq_reserve(rt, n) : 0;

	uint64_t used = 0;	/* sequence numbers given to packets, from seq0 + 1 */
	/* counted in registers, stored once: through cnt the increments would be a load and store
	 * per packet that the packet writes (char pointers, may alias) keep in memory */
	uint64_t packets = 0, bytes = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t inner_len = rte_pktmbuf_pkt_len(m);
		uint64_t seq = seq0 + 1 + used;
		/* another worker may stop the SA while this one is inside its block */
		uint8_t st = reserved ? sa_stopped(rt) : stopped0;
		if (st) {
			status[i] = st;
			continue;
		}
		if (sa->volume_limited && !sa_life_take(sa, inner_len)) {
			sa_stop(sa, ESP_DP_DROP_lifetime_expired);
			status[i] = sa_stopped(rt);
			continue;
		}
		if (seq > seq_max || seq <= seq0) {
			sa_stop(sa, ESP_DP_DROP_seq_exhausted);
			status[i] = sa_stopped(rt);
			continue;
		}
		used++;
		uint8_t next_hdr = (rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4) == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		uint32_t pad = (0u - (inner_len + 2)) & (sa->block - 1u);	/* blocks are powers of two */
		uint32_t ct_len = inner_len + pad + 2;
		uint8_t *tail = (uint8_t *)rte_pktmbuf_append(m, pad + 2 + sa->icv_len);
		uint8_t *h = tail ? (uint8_t *)rte_pktmbuf_prepend(m, sa->hdr_len) : NULL;
		const uint8_t *cbc_iv = aead ? NULL : random_bytes(w, sa->iv_len);
		if (!h || (!aead && !cbc_iv)) {
			status[i] = ESP_DP_DROP_no_room + 1;
			if (sa->volume_limited)
				sa_life_give_back(sa, inner_len);
			continue;
		}
		for (uint32_t k = 0; k < pad; k++)
			tail[k] = (uint8_t)(k + 1);
		tail[pad] = (uint8_t)pad;
		tail[pad + 1] = next_hdr;

		uint32_t total = rte_pktmbuf_pkt_len(m);
		/* fixed-size copies (a variable memcpy here costs a microcoded rep movs): every
		 * layout's room (hdr_len) covers the rounded size; seq and IV are written after */
		if (esp_at + 4u <= 32) {
			rte_mov32(h, sa->hdr);
		} else if (esp_at + 4u <= 48) {
			rte_mov32(h, sa->hdr);
			rte_mov16(h + 32, sa->hdr + 32);
		} else {
			rte_mov64(h, sa->hdr);
		}
		if (sa->outer_family == 4) {
			struct rte_ipv4_hdr *ip = (void *)h;
			ip->total_length = rte_cpu_to_be_16((uint16_t)total);
			ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
			uint32_t sum = sa->hdr_csum + ip->total_length + ip->packet_id;
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			ip->hdr_checksum = (uint16_t)~sum;
		} else {
			((struct rte_ipv6_hdr *)h)->payload_len = rte_cpu_to_be_16((uint16_t)(total - ip_len));
		}
		if (sa->udp)
			((struct rte_udp_hdr *)(h + ip_len))->dgram_len = rte_cpu_to_be_16((uint16_t)(total - ip_len));
		uint8_t *esp = h + esp_at;
		uint32_t seq_lo = rte_cpu_to_be_32((uint32_t)seq), seq_hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
		memcpy(esp + 4, &seq_lo, 4);

		uint16_t k = nop;
		if (aead) {
			uint64_t iv = rte_cpu_to_be_64(seq);	/* unique per SA: the sequence number */
			memcpy(esp + 8, &iv, 8);
			memcpy(w->ivbuf[k], sa->salt, 4);
			memcpy(w->ivbuf[k] + 4, &iv, 8);
			memcpy(w->aadbuf[k], &sa->spi_be, 4);
			memcpy(w->aadbuf[k] + 4, sa->esn ? &seq_hi : &seq_lo, 4);
			memcpy(w->aadbuf[k] + 8, &seq_lo, 4);
			w->vec[k].base = esp + 8 + sa->iv_len;
			w->vec[k].len = ct_len;
			w->iv[k].va = w->ivbuf[k];
			w->aad[k].va = w->aadbuf[k];
			w->digest[k].va = esp + 8 + sa->iv_len + ct_len;
		} else {
			memcpy(esp + 8, cbc_iv, sa->iv_len);
			uint8_t *icv = esp + 8 + sa->iv_len + ct_len;
			w->vec[k].base = esp;
			w->vec[k].len = 8 + sa->iv_len + ct_len;
			w->iv[k].va = esp + 8;
			w->digest[k].va = icv;
			if (sa->esn) {
				memcpy(icv, &seq_hi, 4);
				w->vec[k].len += 4;
				w->digest[k].va = w->digbuf[k];
			}
		}
		w->vec[k].tot_len = w->vec[k].len;
		w->vec[k].iova = 0;
		w->sgl[k].vec = &w->vec[k];
		w->sgl[k].num = 1;
		op_mbuf[nop] = m;
		op_pkt[nop++] = i;
		packets++;
		bytes += inner_len;
	}
	cnt->packets += packets;
	cnt->bytes += bytes;

	if (reserved)
		sa_seq_unreserve(rt, seq0, n, used);
	if (nop) {
		struct rte_crypto_sym_vec vec = { .num = nop, .src_sgl = w->sgl, .iv = w->iv,
						  .digest = w->digest, .aad = w->aad, .status = w->status };
		crypto_process(&sa->cs, &vec, op_mbuf, w->qp);
		for (uint16_t k = 0; k < nop; k++) {
			struct rte_mbuf *m = pkts[op_pkt[k]];
			if (w->status[k] != 0) {
				status[op_pkt[k]] = ESP_DP_DROP_crypto_failed + 1;
				continue;
			}
			if (!aead && sa->esn)
				memcpy((uint8_t *)w->vec[k].base + w->vec[k].len - 4, w->digbuf[k], sa->icv_len);
			if (sa->udp && sa->outer_family == 6) {
				/* IPv6 forbids a zero UDP checksum (RFC 8200); compute it on the result */
				struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
				struct rte_udp_hdr *udp = (void *)(ip + 1);
				udp->dgram_cksum = 0;
				udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
			}
		}
		cnt->last_used = (uint64_t)time(NULL);
	}
	return dp_partition(pkts, n, status, reason);
}

static uint16_t esp_outbound_aead(struct sa *sa, struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				  uint8_t *reason)
{
	return esp_outbound_tunnel(sa, w, pkts, n, reason, true);
}

static uint16_t esp_outbound_cbc_hmac(struct sa *sa, struct worker *w, struct rte_mbuf **pkts, uint16_t n,
				      uint8_t *reason)
{
	return esp_outbound_tunnel(sa, w, pkts, n, reason, false);
}

/* Chosen once, when the SA is installed. */
sa_process_fn esp_outbound_fn(const struct sa *sa)
{
	return sa->aead ? esp_outbound_aead : esp_outbound_cbc_hmac;
}
