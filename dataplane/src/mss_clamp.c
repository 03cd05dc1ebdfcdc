/* TCP MSS clamping per SA (the tunnel's `mssClamp`): the MSS option of every SYN and SYN-ACK
 * crossing the SA — outbound before encryption, inbound after decryption — is lowered to the
 * SA's value, so both ends send segments whose ESP form fits the path without relying on
 * ICMP reaching them. The TCP checksum is updated incrementally (RFC 1624).
 * Only TCP right behind the IP header (IPv4, or IPv6 without extension headers); a segment
 * whose options are malformed is left alone. */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "internal.h"

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2

/* {TCP header, offset of the 16-bit word to rewrite, new value (network order)} => written,
 * checksum adjusted: HC' = ~(~HC + ~m + m') over the aligned words the value touches (the
 * option may start at an odd offset after a no-op) */
static void rewrite16(uint8_t *tcp, uint32_t at, const uint8_t value[2])
{
	uint32_t lo = at & ~1u, hi = (at + 2 + 1) & ~1u;	/* aligned span [lo, hi) covering at..at+2 */
	uint16_t before[2], after[2], ck;
	memcpy(before, tcp + lo, hi - lo);
	tcp[at] = value[0];
	tcp[at + 1] = value[1];
	memcpy(after, tcp + lo, hi - lo);
	memcpy(&ck, tcp + 16, 2);
	uint32_t sum = (uint16_t)~ck;
	for (uint32_t k = 0; k < (hi - lo) / 2; k++)
		sum += (uint16_t)~before[k] + (uint32_t)after[k];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)~sum;
	memcpy(tcp + 16, &ck, 2);
}

static void clamp_one(uint16_t mss, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), l3;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		if (ip->next_proto_id != IPPROTO_TCP ||
		    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
			return;
		l3 = (ip->version_ihl & 15) * 4u;
	} else {
		if (((const struct rte_ipv6_hdr *)p)->proto != IPPROTO_TCP)
			return;
		l3 = sizeof(struct rte_ipv6_hdr);
	}
	if (len < l3 + sizeof(struct rte_tcp_hdr))
		return;
	uint8_t *tcp = p + l3;
	const struct rte_tcp_hdr *th = (const void *)tcp;
	uint32_t end = (th->data_off >> 4) * 4u;
	if (!(th->tcp_flags & RTE_TCP_SYN_FLAG) || end > len - l3)
		return;
	for (uint32_t i = sizeof(struct rte_tcp_hdr); i < end;) {
		uint8_t kind = tcp[i];
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= end || tcp[i + 1] < 2 || i + tcp[i + 1] > end)
			return;
		if (kind == TCPOPT_MSS && tcp[i + 1] == 4) {
			uint16_t cur = (uint16_t)(tcp[i + 2] << 8 | tcp[i + 3]);
			if (cur > mss) {
				uint8_t v[2] = { (uint8_t)(mss >> 8), (uint8_t)mss };
				rewrite16(tcp, i + 2, v);
			}
			return;
		}
		i += tcp[i + 1];
	}
}

void mss_clamp_burst(uint16_t mss, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		clamp_one(mss, pkts[i]);
}
