/* The one place that decides what a received packet is and where it goes next.
 *   wan: ESP (IP proto 50, or UDP to 4500 with a non-zero SPI, RFC 3948) with a known
 *        inbound SA -> inbound; the node's other traffic (IKE, ARP, ND, ICMP, anything to the
 *        port's addresses, broadcast, link-scope multicast) -> the port's exception TAP, or
 *        dropped as non_esp when the port has none; IP to other addresses: not_local.
 *        Unreadable IP headers: malformed.
 *   lan: ARP, ND and packets to the port's own addresses -> its exception TAP; IPv4/IPv6 ->
 *        outbound SPD -> protect (with its SA) / bypass / discard (never in clear unmatched). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "internal.h"

#define NATT_PORT 4500

/* {Ethernet frame} => 0 and the mbuf starting at an L3 header trimmed to its length, or the
 * drop reason + 1. *family is 4 or 6. */
static inline uint8_t strip_l2(struct rte_mbuf *m, uint8_t *family)
{
	if (m->nb_segs != 1)
		return ESP_DP_DROP_no_room + 1;
	if (rte_pktmbuf_data_len(m) < DP_ETH_LEN + 20)
		return ESP_DP_DROP_malformed + 1;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t type = rte_be_to_cpu_16(eth->ether_type);
	if (type != RTE_ETHER_TYPE_IPV4 && type != RTE_ETHER_TYPE_IPV6)
		return ESP_DP_DROP_malformed + 1;
	rte_pktmbuf_adj(m, DP_ETH_LEN);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), l3len;
	if (type == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		l3len = rte_be_to_cpu_16(ip->total_length);
		if ((p[0] >> 4) != 4 || (ip->version_ihl & 15) < 5 || l3len < (ip->version_ihl & 15) * 4u)
			return ESP_DP_DROP_malformed + 1;
		*family = 4;
	} else {
		if (len < sizeof(struct rte_ipv6_hdr) || (p[0] >> 4) != 6)
			return ESP_DP_DROP_malformed + 1;
		l3len = rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)p)->payload_len) + 40u;
		*family = 6;
	}
	if (l3len > len)
		return ESP_DP_DROP_malformed + 1;
	rte_pktmbuf_trim(m, len - l3len);	/* Ethernet minimum-size padding */
	return 0;
}

/* {L3 packet} => offset of the ESP header, or 0 when it is not ESP */
static inline uint32_t esp_offset(const struct rte_mbuf *m, uint8_t family, const uint8_t **dst)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hl;
	uint8_t proto;
	if (family == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		/* fragments are not reassembled here */
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
			return 0;
		hl = (ip->version_ihl & 15) * 4u;
		proto = ip->next_proto_id;
		*dst = (const uint8_t *)&ip->dst_addr;
	} else {
		const struct rte_ipv6_hdr *ip = (const void *)p;
		hl = sizeof(*ip);
		proto = ip->proto;
		*dst = ip->dst_addr;
	}
	if (proto == IPPROTO_ESP)
		return hl;
	if (proto != IPPROTO_UDP || len < hl + sizeof(struct rte_udp_hdr) + 4)
		return 0;
	const struct rte_udp_hdr *udp = (const void *)(p + hl);
	uint32_t marker;
	memcpy(&marker, udp + 1, 4);
	/* RFC 3948: SPI 0 is the non-ESP marker (IKE), one 0xff byte a keepalive */
	if (udp->dst_port != rte_cpu_to_be_16(NATT_PORT) || marker == 0)
		return 0;
	return hl + sizeof(*udp);
}

/* {Ethernet frame of at least DP_ETH_LEN} => true when it carries IPv4 or IPv6 (anything else
 * is the kernel's) */
static inline bool frame_is_ip(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	return eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	       eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
}

uint16_t classify_wan(struct worker *w, const struct dp_port *port, const struct sad *sad,
		      struct rte_mbuf **pkts, uint16_t n, struct sa **sa_of)
{
	uint16_t kept = 0;
	struct sa *last = NULL;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t family = 0;
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		if (rte_pktmbuf_data_len(m) < DP_ETH_LEN) {	/* a runt: not even for the kernel */
			dp_drop(w, NULL, m, ESP_DP_DROP_malformed);
			continue;
		}
		if (!frame_is_ip(m)) {
			exc_punt(w, port, m, ESP_DP_DROP_non_esp);
			continue;
		}
		uint8_t st = strip_l2(m, &family);
		if (st) {
			dp_drop(w, NULL, m, st - 1u);
			continue;
		}
		const uint8_t *dst = NULL;
		uint32_t off = esp_offset(m, family, &dst);
		if (off == 0) {
			/* fail closed: the kernel behind the TAP may forward, so only the node's own
			 * traffic goes there, never a packet it could route on in clear */
			if (!exc_wan_ip_for_kernel(port, m, family)) {
				dp_drop(w, NULL, m, ESP_DP_DROP_not_local);
				continue;
			}
			rte_pktmbuf_prepend(m, DP_ETH_LEN);	/* strip_l2 left the header in place */
			exc_punt(w, port, m, ESP_DP_DROP_non_esp);
			continue;
		}
		if (rte_pktmbuf_data_len(m) < off + 8) {
			dp_drop(w, NULL, m, ESP_DP_DROP_truncated);
			continue;
		}
		uint32_t spi_be;
		memcpy(&spi_be, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), 4);
		struct sa *sa = last && last->spi_be == spi_be && last->outer_family == family &&
				dp_addr_eq(last->conf.dst.addr, dst, family)
			? last : sad_lookup_in(sad, spi_be, family, dst);
		if (!sa) {
			dp_drop(w, NULL, m, ESP_DP_DROP_unknown_spi);
			continue;
		}
		last = sa;
		m->l3_len = off;	/* where ESP starts, for the inbound stage */
		pkts[kept] = m;
		sa_of[kept++] = sa;
	}
	return kept;
}

uint16_t classify_lan(struct worker *w, const struct dp_port *port, const struct spd *spd,
		      const struct sad *sad, struct rte_mbuf **pkts, uint16_t n, struct sa **sa_of)
{
	union acl_key keys[DP_BURST];
	uint8_t family[DP_BURST] = { 0 };
	uint32_t res[DP_BURST];
	uint16_t valid = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		if (exc_lan_for_kernel(port, pkts[i])) {
			exc_punt(w, port, pkts[i], ESP_DP_DROP_malformed);
			continue;
		}
		uint8_t st = strip_l2(pkts[i], &family[valid]);
		if (st == 0 && spd_key(pkts[i], &keys[valid]) == 0)
			st = ESP_DP_DROP_malformed + 1;
		if (st) {
			dp_drop(w, NULL, pkts[i], st - 1u);
			continue;
		}
		pkts[valid++] = pkts[i];
	}
	spd_classify(spd, keys, family, valid, res);
	uint16_t kept = 0;
	struct sa *last = NULL;
	for (uint16_t i = 0; i < valid; i++) {
		struct rte_mbuf *m = pkts[i];
		if (res[i] == 0) {
			dp_drop(w, NULL, m, ESP_DP_DROP_no_policy);
			continue;
		}
		const struct esp_dp_policy *pol = &spd->pol[res[i] - 1];
		struct sa *sa = NULL;
		if (pol->action == ESP_DP_DISCARD) {
			dp_drop(w, NULL, m, ESP_DP_DROP_policy_discard);
			continue;
		}
		if (pol->action == ESP_DP_PROTECT) {
			if (pol->spi)
				sa = last && last->conf.spi == pol->spi ? last : sad_lookup_out(sad, pol->spi);
			else
				sa = sad_lookup_out_reqid(sad, pol->reqid);
			/* never in clear: a protect policy without its SA drops */
			if (!sa) {
				dp_drop(w, NULL, m, ESP_DP_DROP_no_sa);
				continue;
			}
			last = sa;
		}
		pkts[kept] = m;
		sa_of[kept++] = sa;
	}
	return kept;
}
