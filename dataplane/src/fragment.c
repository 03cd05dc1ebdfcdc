/* IPv4 fragmentation of an inner packet before encryption (RFC 791), into fresh single-segment
 * mbufs: the ESP stage appends its trailer and prepends its header in place, which
 * rte_ipv4_fragment_packet's chained indirect mbufs would not allow. The packet may itself be
 * a fragment (a sender behind us fragmented to its own MTU): offsets and MF carry over.
 * Options: only those with the copy flag go into the second and later fragments. */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "internal.h"

/* {options of the first fragment} => those to repeat in the others, padded to 4 bytes; length */
static uint32_t copied_options(const uint8_t *opt, uint32_t len, uint8_t *out)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < len;) {
		uint8_t type = opt[i];
		if (type == 0)	/* end of options */
			break;
		if (type == 1) {	/* no-op */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (type & 0x80) {
			memcpy(out + n, opt + i, opt[i + 1]);
			n += opt[i + 1];
		}
		i += opt[i + 1];
	}
	while (n & 3)
		out[n++] = 0;
	return n;
}

int ipv4_fragment(const struct rte_mbuf *m, uint32_t max, struct rte_mbuf **out, uint16_t cap)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const void *)p;
	uint32_t ihl = (ip->version_ihl & 15) * 4u;
	uint32_t total = rte_pktmbuf_pkt_len(m);
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t base = (fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
	bool more_after = fo & RTE_IPV4_HDR_MF_FLAG;
	uint8_t later_opts[40];
	uint32_t later_ihl = 20 + copied_options(p + 20, ihl - 20, later_opts);
	/* data per fragment: a multiple of 8 that fits beside the larger (first) header */
	uint32_t chunk = max > ihl ? (max - ihl) & ~7u : 0;
	if (chunk == 0 || m->nb_segs != 1 || total <= ihl)
		return -EMSGSIZE;
	uint32_t data = total - ihl;
	if ((data + chunk - 1) / chunk > cap)
		return -EMSGSIZE;
	uint16_t nf = 0;
	for (uint32_t off = 0; off < data; off += chunk) {
		uint32_t len = data - off < chunk ? data - off : chunk;
		uint32_t hl = off == 0 ? ihl : later_ihl;
		struct rte_mbuf *f = rte_pktmbuf_alloc(dp.pool);
		uint8_t *q = f ? (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(hl + len)) : NULL;
		if (!q) {
			rte_pktmbuf_free(f);
			rte_pktmbuf_free_bulk(out, nf);
			return -ENOMEM;
		}
		memcpy(q, p, 20);
		memcpy(q + 20, off == 0 ? p + 20 : later_opts, hl - 20);
		memcpy(q + hl, p + ihl + off, len);
		struct rte_ipv4_hdr *h = (void *)q;
		bool mf = off + len < data || more_after;
		h->version_ihl = (uint8_t)(0x40 | (hl / 4));
		h->total_length = rte_cpu_to_be_16((uint16_t)(hl + len));
		h->fragment_offset = rte_cpu_to_be_16((uint16_t)(((base + off) / 8) | (mf ? RTE_IPV4_HDR_MF_FLAG : 0)));
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		f->port = m->port;
		out[nf++] = f;
	}
	return nf;
}
