/* ICMP "fragmentation needed" (RFC 792/1191, type 3 code 4) and ICMPv6 "packet too big"
 * (RFC 4443 §3.2) for a packet too big for its SA's wan MTU, sent straight back out of the
 * port it came in on to the Ethernet address it came from: the sender or its router, which
 * needs no route or neighbour entry here.
 *
 * Source address: the ingress port's own address of that family (RFC 1812 §4.3.2.4: errors
 * come from the router that drops), else the inner destination, so that without configured
 * addresses the error still reaches a sender whose reverse-path filter or firewall accepts
 * only packets from the peer it talks to (Linux matches the error to its socket by the
 * quoted header; the source only has to pass the sender's filters).
 *
 * Never about an ICMP error, a non-first fragment or a multicast/broadcast/unspecified
 * source (RFC 1122 §3.2.2, RFC 4443 §2.4). Rate-limited per worker by a token bucket as
 * Linux's icmp_msgs_per_sec/icmp_msgs_burst (1000/s, 50). */
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>

#include "internal.h"

#define ICMP_RATE	1000	/* tokens per second */
#define ICMP_BURST	50
#define ICMP4_QUOTE_MAX	(576 - 20 - 8)	/* RFC 1812 4.3.2.3: the error fits 576 bytes */
#define ICMP6_QUOTE_MAX	(1280 - 40 - 8)	/* RFC 4443 2.4(c): the error fits the IPv6 minimum MTU */

/* One bucket per lcore (the last slot for non-EAL threads, as the fuzz target's). */
static struct bucket {
	uint64_t last;	/* TSC of the last refill */
	uint32_t tokens;
	bool init;
} buckets[RTE_MAX_LCORE + 1];

static bool bucket_take(void)
{
	unsigned id = rte_lcore_id();
	struct bucket *b = &buckets[id < RTE_MAX_LCORE ? id : RTE_MAX_LCORE];
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();
	if (!b->init) {
		b->init = true;
		b->tokens = ICMP_BURST;
		b->last = now;
	}
	uint64_t add = hz ? (now - b->last) * ICMP_RATE / hz : 0;
	if (add) {
		b->tokens = b->tokens + add > ICMP_BURST ? ICMP_BURST : (uint32_t)(b->tokens + add);
		b->last = now;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

/* {IPv4 packet} => may it be answered with an ICMP error */
static bool v4_answerable(const struct rte_ipv4_hdr *ip, uint32_t len)
{
	uint8_t first = ((const uint8_t *)&ip->src_addr)[0];
	uint32_t ihl = (ip->version_ihl & 15) * 4u;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip->src_addr == 0 || ip->src_addr == UINT32_MAX || first >= 224 || first == 127)
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP && len > ihl) {
		uint8_t type = ((const uint8_t *)ip)[ihl];
		/* errors: unreachable, source quench, redirect, time exceeded, parameter problem */
		if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
			return false;
	}
	return true;
}

static bool v6_answerable(const struct rte_ipv6_hdr *ip, uint32_t len)
{
	static const uint8_t unspec[16];
	if (ip->src_addr[0] == 0xff || memcmp(ip->src_addr, unspec, 16) == 0)
		return false;
	if (ip->proto == IPPROTO_ICMPV6 && len > 40 && ((const uint8_t *)(ip + 1))[0] < 128)
		return false;	/* ICMPv6 types below 128 are errors */
	return true;
}

/* {offending packet, ethertype, L3 length} => a new frame back to its sender's Ethernet
 * address with the L3 part left to fill (*l3), or NULL */
static struct rte_mbuf *reply_alloc(const struct rte_mbuf *m, uint16_t type, uint32_t l3_len, uint8_t **l3)
{
	const struct rte_ether_hdr *orig = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -DP_ETH_LEN);
	struct rte_mbuf *e = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eth = e ? (void *)rte_pktmbuf_append(e, (uint16_t)(DP_ETH_LEN + l3_len)) : NULL;
	if (!eth) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	eth->dst_addr = orig->src_addr;
	eth->src_addr = dp.ports[m->port].mac;
	eth->ether_type = rte_cpu_to_be_16(type);
	*l3 = (uint8_t *)(eth + 1);
	return e;
}

static struct rte_mbuf *build_v4(const struct rte_mbuf *m, uint32_t mtu)
{
	const struct rte_ipv4_hdr *in = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)ICMP4_QUOTE_MAX);
	uint8_t *l3;
	struct rte_mbuf *e = reply_alloc(m, RTE_ETHER_TYPE_IPV4, 20 + 8 + quote, &l3);
	if (!e)
		return NULL;
	struct rte_ipv4_hdr *ip = (void *)l3;
	const uint8_t *src = mtu_port_addr(m->port, 4);
	memset(ip, 0, 20);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + quote));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	memcpy(&ip->src_addr, src ? src : (const uint8_t *)&in->dst_addr, 4);
	ip->dst_addr = in->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint16_t next_hop_mtu = rte_cpu_to_be_16((uint16_t)mtu);
	memset(icmp, 0, 8);
	icmp[0] = 3;	/* destination unreachable */
	icmp[1] = 4;	/* fragmentation needed and DF set */
	memcpy(icmp + 6, &next_hop_mtu, 2);
	memcpy(icmp + 8, in, quote);
	uint16_t sum = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);
	memcpy(icmp + 2, &sum, 2);
	return e;
}

static struct rte_mbuf *build_v6(const struct rte_mbuf *m, uint32_t mtu)
{
	const struct rte_ipv6_hdr *in = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)ICMP6_QUOTE_MAX);
	uint8_t *l3;
	struct rte_mbuf *e = reply_alloc(m, RTE_ETHER_TYPE_IPV6, 40 + 8 + quote, &l3);
	if (!e)
		return NULL;
	struct rte_ipv6_hdr *ip = (void *)l3;
	const uint8_t *src = mtu_port_addr(m->port, 6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src ? src : in->dst_addr, 16);
	memcpy(ip->dst_addr, in->src_addr, 16);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint32_t mtu_be = rte_cpu_to_be_32(mtu);
	memset(icmp, 0, 8);
	icmp[0] = 2;	/* packet too big */
	memcpy(icmp + 4, &mtu_be, 4);
	memcpy(icmp + 8, in, quote);
	uint16_t sum = rte_ipv6_udptcp_cksum(ip, icmp);	/* the pseudo-header takes ip->proto */
	memcpy(icmp + 2, &sum, 2);
	return e;
}

unsigned icmp_too_big(struct worker *w, const struct rte_mbuf *m, uint32_t mtu)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	bool v4 = (p[0] >> 4) == 4;
	if (m->port >= DP_MAX_PORTS || !dp.ports[m->port].used || rte_pktmbuf_headroom(m) < DP_ETH_LEN ||
	    !(v4 ? v4_answerable((const void *)p, len) : v6_answerable((const void *)p, len)))
		return ESP_DP_DROP_too_big;
	if (!bucket_take())
		return ESP_DP_DROP_too_big_icmp_limited;
	struct rte_mbuf *e = v4 ? build_v4(m, mtu) : build_v6(m, mtu);
	if (!e)
		return ESP_DP_DROP_too_big;
	uint32_t bytes = rte_pktmbuf_pkt_len(e);
	if (port_tx_burst(w, m->port, &e, 1) == 1) {	/* the worker's own queue */
		w->port[m->port].tx++;
		w->port[m->port].tx_bytes += bytes;
	} else {
		dp_drop(w, NULL, e, ESP_DP_DROP_tx_full);
	}
	return ESP_DP_DROP_too_big;
}
