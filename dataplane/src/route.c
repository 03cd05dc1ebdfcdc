/* Routes and neighbours: tables rebuilt on every replace (a small one searched by prefix
 * length, a large one in rte_lpm/rte_lpm6), published under RCU. The last stage of both
 * directions: L3 packet -> route -> neighbour MAC -> Ethernet header -> TX. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "capture.h"

static void fib_table_free(struct fib_table *t)
{
	if (!t)
		return;
	rte_lpm_free(t->lpm4);
	rte_lpm6_free(t->lpm6);
	rte_free(t->by_len);
	rte_free(t->routes);
	rte_free(t);
}

/* {fib, whether its route table goes too} => freed */
static void fib_free(struct fib *f, bool with_table)
{
	if (!f)
		return;
	if (with_table)
		fib_table_free(f->table);
	rte_free(f->neigh);
	rte_free(f->nh);
	rte_free(f);
}

static const struct esp_dp_neighbor *neigh_find(const struct fib *f, uint8_t family, const uint8_t *ip,
						uint16_t port)
{
	for (uint32_t i = 0; i < f->nneigh; i++) {
		const struct esp_dp_neighbor *n = &f->neigh[i];
		if (n->ip.family == family && n->port_id == port && dp_addr_eq(n->ip.addr, ip, family))
			return n;
	}
	return NULL;
}

static bool same_routes(const struct fib_table *t, const struct esp_dp_route *routes, uint32_t n)
{
	return t && t->nroutes == n && (n == 0 || memcmp(t->routes, routes, n * sizeof(*routes)) == 0);
}

static int table_build(struct fib_table **out, const struct esp_dp_route *routes, uint32_t n)
{
	char name[32];
	struct fib_table *t = rte_zmalloc("espdp_fib_table", sizeof(*t), 0);
	if (!t)
		return dp_fail(ENOMEM, "out of memory for routes");
	*out = t;
	t->default_route[0] = t->default_route[1] = -1;
	t->routes = rte_zmalloc("espdp_routes", (n + 1) * sizeof(*t->routes), 0);
	const bool small = n <= DP_SMALL_ROUTES;
	bool v6 = false;
	for (uint32_t i = 0; i < n; i++)
		v6 |= routes[i].dst.family == 6 && routes[i].dst.prefix_len > 0;
	if (small) {
		t->by_len = rte_zmalloc("espdp_routes_by_len", (n + 1) * sizeof(*t->by_len), 0);
		if (!t->routes || !t->by_len)
			return dp_fail(ENOMEM, "out of memory for routes");
	} else {
		snprintf(name, sizeof(name), "espdp_lpm4_%u", ++dp.gen);
		struct rte_lpm_config c4 = { .max_rules = n + 1, .number_tbl8s = 256 };
		t->lpm4 = rte_lpm_create(name, (int)rte_socket_id(), &c4);
		/* rte_lpm6 has a 64 MiB tbl24 of its own: made only when an IPv6 route needs it, so
		 * two IPv4-only snapshots (old and new, during a replace) fit a small EAL memory */
		if (v6) {
			snprintf(name, sizeof(name), "espdp_lpm6_%u", ++dp.gen);
			struct rte_lpm6_config c6 = { .max_rules = n + 1, .number_tbl8s = 1024 };
			t->lpm6 = rte_lpm6_create(name, (int)rte_socket_id(), &c6);
		}
		if (!t->routes || !t->lpm4 || (v6 && !t->lpm6))
			return dp_fail(ENOMEM, "cannot create LPM tables (EAL memory: -m)");
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct esp_dp_route *r = &routes[i];
		if (r->port_id >= DP_MAX_PORTS || !dp.ports[r->port_id].used)
			return dp_fail(EINVAL, "routes[%u].port: port %u not added", i, r->port_id);
		unsigned max = r->dst.family == 4 ? 32 : 128;
		if ((r->dst.family != 4 && r->dst.family != 6) || r->dst.prefix_len > max)
			return dp_fail(EINVAL, "routes[%u].dst: not a prefix", i);
		int rc = 0;
		if (small) {
			/* insertion by prefix length, longest first; equal lengths keep their order */
			uint32_t k = i;
			while (k > 0 && routes[t->by_len[k - 1]].dst.prefix_len < r->dst.prefix_len) {
				t->by_len[k] = t->by_len[k - 1];
				k--;
			}
			t->by_len[k] = i;
		} else if (r->dst.prefix_len == 0) {
			t->default_route[r->dst.family == 6] = (int32_t)i;
		} else if (r->dst.family == 4) {
			uint32_t a;
			memcpy(&a, r->dst.addr, 4);
			rc = rte_lpm_add(t->lpm4, rte_be_to_cpu_32(a), r->dst.prefix_len, i);
		} else {
			rc = rte_lpm6_add(t->lpm6, r->dst.addr, r->dst.prefix_len, i);
		}
		if (rc < 0)
			return dp_fail(-rc, "routes[%u]: cannot add to LPM", i);
		t->routes[i] = *r;
	}
	t->nroutes = n;
	return 0;
}

int esp_dp_routes_replace(const struct esp_dp_route *routes, uint32_t n,
			  const struct esp_dp_neighbor *neigh, uint32_t m)
{
	dp_clear_error();
	if ((n && !routes) || (m && !neigh))
		return dp_fail(EINVAL, "routes/neighbors: NULL");
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	pthread_mutex_lock(&dp.lock);
	struct fib *old = atomic_load(&dp.fib);
	struct fib *f = rte_zmalloc("espdp_fib", sizeof(*f), 0);
	bool reuse = old && same_routes(old->table, routes, n);
	int rc = 0;
	if (!f) {
		rc = dp_fail(ENOMEM, "out of memory for routes");
		goto out;
	}
	f->neigh = rte_zmalloc("espdp_neigh", (m + 1) * sizeof(*f->neigh), 0);
	f->nh = rte_zmalloc("espdp_nexthops", (n + 1) * sizeof(*f->nh), 0);
	if (!f->neigh || !f->nh) {
		rc = dp_fail(ENOMEM, "out of memory for neighbours");
		goto fail;
	}
	memcpy(f->neigh, neigh, m * sizeof(*neigh));
	f->nneigh = m;
	if (reuse)
		f->table = old->table;
	else if ((rc = table_build(&f->table, routes, n)) != 0)
		goto fail;
	/* a gateway route's MAC is known now; a connected route looks it up per packet */
	for (uint32_t i = 0; i < n; i++) {
		const struct esp_dp_route *r = &f->table->routes[i];
		const struct esp_dp_neighbor *nb = r->via.family ? neigh_find(f, r->via.family, r->via.addr, r->port_id) : NULL;
		if (nb) {
			memcpy(f->nh[i].mac, nb->mac, 6);
			f->nh[i].resolved = true;
		}
	}
	atomic_store(&dp.fib, f);
	dp_rcu_wait();
	fib_free(old, !reuse);
	goto out;
fail:
	fib_free(f, !reuse);
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

/* {prefix bytes, its length in bits, address} => whether the address is inside the prefix */
static inline bool prefix_has(const uint8_t *prefix, uint8_t len, const uint8_t *a)
{
	const uint8_t whole = len / 8, bits = len % 8;
	if (memcmp(prefix, a, whole) != 0)
		return false;
	return bits == 0 || ((prefix[whole] ^ a[whole]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

/* {fib, family, destination} => index of the route to it (longest prefix, else /0), or -1 */
static inline int32_t route_find(const struct fib *f, uint8_t family, const uint8_t *dst)
{
	uint32_t nh;
	if (!f)
		return -1;
	if (f->table->by_len) {
		for (uint32_t k = 0; k < f->table->nroutes; k++) {
			const struct esp_dp_route *r = &f->table->routes[f->table->by_len[k]];
			if (r->dst.family == family && prefix_has(r->dst.addr, r->dst.prefix_len, dst))
				return (int32_t)f->table->by_len[k];
		}
		return -1;
	}
	if (family == 4) {
		uint32_t a;
		memcpy(&a, dst, 4);
		if (rte_lpm_lookup(f->table->lpm4, rte_be_to_cpu_32(a), &nh) == 0)
			return (int32_t)nh;
		return f->table->default_route[0];
	}
	if (f->table->lpm6 && rte_lpm6_lookup(f->table->lpm6, dst, &nh) == 0)
		return (int32_t)nh;
	return f->table->default_route[1];
}

int route_port(const struct fib *f, uint8_t family, const uint8_t *dst)
{
	int32_t r = route_find(f, family, dst);
	return r < 0 ? -1 : f->table->routes[r].port_id;
}

/* Where one destination goes: the port and the whole Ethernet header to put in front. */
struct hop {
	uint16_t port;
	struct rte_ether_hdr eth;
};

/* {family, destination address} => 0 and *hop, or a drop reason + 1 */
static inline uint8_t resolve(const struct fib *f, uint8_t family, const uint8_t *dst, struct hop *hop)
{
	int32_t found = route_find(f, family, dst);
	if (found < 0)
		return ESP_DP_DROP_no_route + 1;
	uint32_t nh = (uint32_t)found;
	const struct esp_dp_route *r = &f->table->routes[nh];
	const uint8_t *mac;
	if (f->nh[nh].resolved) {
		mac = f->nh[nh].mac;
	} else {
		const uint8_t nh_family = r->via.family ? r->via.family : family;
		const uint8_t *nh_ip = r->via.family ? r->via.addr : dst;
		const struct esp_dp_neighbor *nb = neigh_find(f, nh_family, nh_ip, r->port_id);
		if (!nb) {
			unresolved_note(nh_family, nh_ip, r->port_id);	/* the agent has the kernel resolve it */
			return ESP_DP_DROP_no_neighbor + 1;
		}
		mac = nb->mac;
	}
	memcpy(&hop->eth.dst_addr, mac, 6);
	hop->eth.src_addr = dp.ports[r->port_id].mac;
	hop->eth.ether_type = rte_cpu_to_be_16(family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	hop->port = r->port_id;
	return 0;
}

/* {packet} => its IP family and destination address */
static inline const uint8_t *pkt_dst(const struct rte_mbuf *m, uint8_t *family)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	*family = (p[0] >> 4) == 4 ? 4 : 6;
	return *family == 4 ? p + offsetof(struct rte_ipv4_hdr, dst_addr) : p + offsetof(struct rte_ipv6_hdr, dst_addr);
}

/* {worker, packet without a next-hop MAC} => true when it waits in the worker's hold queue.
 * The fuzz target's worker (id DP_MAX_WORKERS) never holds: nothing would release it. */
static inline bool hold(struct worker *w, struct rte_mbuf *m)
{
	if (w->id >= DP_MAX_WORKERS || w->held_n == DP_HOLD)
		return false;
	w->held[w->held_n] = m;
	w->held_tsc[w->held_n++] = rte_rdtsc();
	return true;
}

void route_retry_held(struct worker *w, const struct fib *f)
{
	if (likely(w->held_n == 0))
		return;
	const uint64_t now = rte_rdtsc(), limit = rte_get_tsc_hz() / 1000 * DP_HOLD_MS;
	struct rte_mbuf *ready[DP_HOLD];
	uint16_t nready = 0, keep = 0, n = w->held_n;
	struct hop hop;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = w->held[i];
		uint8_t family;
		const uint8_t *dst = pkt_dst(m, &family);
		uint8_t st = resolve(f, family, dst, &hop);
		if (st == 0) {
			ready[nready++] = m;
		} else if (st != ESP_DP_DROP_no_neighbor + 1 || now - w->held_tsc[i] > limit) {
			dp_drop(w, NULL, m, st - 1u);
		} else {
			w->held[keep] = m;
			w->held_tsc[keep++] = w->held_tsc[i];
		}
	}
	w->held_n = keep;
	/* in the order they came; route_and_send may hold again what lost its MAC meanwhile */
	for (uint16_t i = 0; i < nready; i += DP_BURST)
		route_and_send(w, f, ready + i, (uint16_t)RTE_MIN(DP_BURST, nready - i));
}

void route_drop_held(struct worker *w)
{
	for (uint16_t i = 0; i < w->held_n; i++)
		dp_drop(w, NULL, w->held[i], ESP_DP_DROP_no_neighbor);
	w->held_n = 0;
}

/* Consecutive packets to one destination (every packet of an outbound SA goes to its peer)
 * share one lookup: the last destination's hop is kept for the rest of the burst. A packet
 * whose next hop has no MAC yet is held (see DP_HOLD) rather than dropped while there is room. */
void route_and_send(struct worker *w, const struct fib *f, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *q[DP_MAX_PORTS][DP_BURST];	/* n <= DP_BURST */
	uint16_t qn[DP_MAX_PORTS] = { 0 };
	uint64_t qbytes[DP_MAX_PORTS] = { 0 };
	struct hop hop;
	uint8_t last_family = 0, last_st = 0, last_dst[16];
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t family;
		const uint8_t *dst = pkt_dst(m, &family);
		if (family != last_family || !dp_addr_eq(dst, last_dst, family)) {
			last_st = resolve(f, family, dst, &hop);
			last_family = family;
			memcpy(last_dst, dst, family == 4 ? 4 : 16);
		}
		if (last_st == ESP_DP_DROP_no_neighbor + 1 && hold(w, m))
			continue;
		struct rte_ether_hdr *eth = last_st ? NULL : (void *)rte_pktmbuf_prepend(m, DP_ETH_LEN);
		if (!eth) {
			dp_drop(w, NULL, m, last_st ? last_st - 1u : ESP_DP_DROP_no_room);
			continue;
		}
		memcpy(eth, &hop.eth, DP_ETH_LEN);
		q[hop.port][qn[hop.port]++] = m;
		qbytes[hop.port] += rte_pktmbuf_pkt_len(m);
	}
	for (uint16_t port = 0; port < DP_MAX_PORTS; port++) {
		if (!qn[port])
			continue;
		uint64_t bytes = qbytes[port];
		tap_tx(w, port, q[port], qn[port]);
		uint16_t sent = port_tx_burst(w, port, q[port], qn[port]);
		for (uint16_t k = sent; k < qn[port]; k++) {
			bytes -= rte_pktmbuf_pkt_len(q[port][k]);
			dp_drop(w, NULL, q[port][k], ESP_DP_DROP_tx_full);
		}
		w->port[port].tx += sent;
		w->port[port].tx_bytes += bytes;
	}
}
