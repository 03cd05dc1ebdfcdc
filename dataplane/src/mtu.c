/* Path MTU on the outbound path: ESP is never emitted fragmented (networks drop fragmented
 * ESP — the field report in shared/background lost 20-50 % of it over ADSL), so an inner
 * packet whose ESP form would exceed the wan port's MTU is either fragmented before
 * encryption (IPv4 without DF, each fragment its own ESP packet) or dropped with an ICMP
 * "fragmentation needed" / ICMPv6 "packet too big" carrying the largest inner size that fits.
 *
 * The wan port of an SA is where the route to its outer destination leads; it is looked up
 * only for runs with a packet larger than the smallest wan MTU allows, so the common case
 * costs one length comparison per packet. */
#include <errno.h>

#include <rte_ip.h>

#include "capture.h"

/* Per port, beside struct dp_port: its MTU, which workers read while control calls change it. */
static struct mtu_port {
	_Atomic uint16_t mtu;
} ports[DP_MAX_PORTS];

_Atomic uint16_t mtu_floor = DP_MTU_DEFAULT;

static void floor_update(void)
{
	uint16_t low = DP_MTU_MAX;
	bool any = false;
	for (unsigned p = 0; p < DP_MAX_PORTS; p++)
		if (dp.ports[p].used && dp.ports[p].role == ESP_DP_ROLE_WAN) {
			uint16_t m = atomic_load(&ports[p].mtu);
			low = m < low ? m : low;
			any = true;
		}
	atomic_store(&mtu_floor, any ? low : DP_MTU_DEFAULT);
}

void mtu_port_added(const struct esp_dp_port *p)
{
	atomic_store(&ports[p->port_id].mtu, DP_MTU_DEFAULT);
	floor_update();
}

const uint8_t *mtu_port_addr(uint16_t port, uint8_t family)
{
	if (port >= DP_MAX_PORTS)
		return NULL;
	const struct dp_addrs *own = dp_port_addrs(&dp.ports[port]);
	for (unsigned k = 0; k < own->n && k < RTE_DIM(own->a); k++)
		if (own->a[k].family == family)
			return own->a[k].addr;
	return NULL;
}

int esp_dp_port_set_mtu(uint16_t port_id, uint32_t mtu)
{
	dp_clear_error();
	if (mtu < DP_MTU_MIN || mtu > DP_MTU_MAX)
		return dp_fail(EINVAL, "ports.mtu: %u, must be %u..%u", mtu, DP_MTU_MIN, DP_MTU_MAX);
	pthread_mutex_lock(&dp.lock);
	int rc = 0;
	if (port_id >= DP_MAX_PORTS || !dp.ports[port_id].used) {
		rc = dp_fail(ENODEV, "ports.port: %u not added", port_id);
	} else {
		atomic_store(&ports[port_id].mtu, (uint16_t)mtu);
		floor_update();
	}
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

/* {sa} => the MTU of the port its ESP packets leave by; the floor when it has no route (the
 * packet will be dropped as no_route after encryption anyway) */
static uint32_t sa_wan_mtu(const struct sa *sa)
{
	const struct fib *fib = atomic_load_explicit(&dp.fib, memory_order_acquire);
	int port = route_port(fib, sa->outer_family, sa->conf.dst.addr);
	if (port < 0 || port >= DP_MAX_PORTS)
		return atomic_load_explicit(&mtu_floor, memory_order_relaxed);
	return atomic_load_explicit(&ports[port].mtu, memory_order_relaxed);
}

struct mtu_batch {
	struct worker *w;
	struct sa *sa;
	struct rte_mbuf *pkt[DP_BURST];
	uint16_t n;
	struct rte_mbuf **out;
	uint16_t nout;
};

/* Encrypt what is batched and append it to out, sending out first when it is full. */
static void batch_flush(struct mtu_batch *b)
{
	uint8_t reason[DP_BURST];
	uint16_t good = b->n ? b->sa->process(b->sa, b->w, b->pkt, b->n, reason) : 0;
	for (uint16_t k = good; k < b->n; k++)
		dp_drop(b->w, b->sa, b->pkt[k], reason[k]);
	for (uint16_t k = 0; k < good; k++) {
		if (b->nout == DP_BURST) {
			route_and_send(b->w, atomic_load_explicit(&dp.fib, memory_order_acquire), b->out, b->nout);
			b->nout = 0;
		}
		b->out[b->nout++] = b->pkt[k];
	}
	b->n = 0;
}

static void batch_add(struct mtu_batch *b, struct rte_mbuf *m)
{
	if (b->n == DP_BURST)
		batch_flush(b);
	b->pkt[b->n++] = m;
}

uint16_t mtu_outbound_run(struct worker *w, struct sa *sa, struct rte_mbuf **pkts, uint16_t n,
			  struct rte_mbuf **out, uint16_t nout)
{
	struct mtu_batch b = { .w = w, .sa = sa, .out = out, .nout = nout };
	uint32_t max = sa_inner_max(sa, sa_wan_mtu(sa));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (rte_pktmbuf_pkt_len(m) <= max) {
			batch_add(&b, m);
			continue;
		}
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		bool v4 = (p[0] >> 4) == 4;
		if (v4 && !(((const struct rte_ipv4_hdr *)p)->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))) {
			struct rte_mbuf *frag[DP_BURST];
			int nf = ipv4_fragment(m, max, frag, DP_BURST);
			if (nf < 0) {
				dp_drop(w, sa, m, nf == -ENOMEM ? ESP_DP_DROP_no_room : ESP_DP_DROP_too_big);
				continue;
			}
			tap_inherit(w, m, frag, (uint16_t)nf);
			rte_pktmbuf_free(m);
			for (int k = 0; k < nf; k++)
				batch_add(&b, frag[k]);
			continue;
		}
		/* IPv4 with DF, or IPv6 (only its source fragments): the sender must send smaller */
		dp_drop(w, sa, m, icmp_too_big(w, m, max));
	}
	batch_flush(&b);
	return b.nout;
}
