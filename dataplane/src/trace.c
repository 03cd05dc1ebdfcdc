/* The path decisions of the next N packets (esplane trace N): for each, the port it came in
 * on, what it was taken for, the SA and the policy that decided it, and where it went or
 * the named drop that ended it. A traced packet carries its slot in the burst's pending
 * records in an mbuf dynamic field; the stages fill the record through the hooks of
 * capture.h and dp_drop, and the end of the burst publishes the records into the worker's
 * decision ring (capture.c's ring, other slot type). Only traced bursts pay for any of it. */
#include <errno.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_mbuf_dyn.h>

#include "capture.h"

static uint64_t trace_base_dropped;

/* The mbuf field: the burst's tag in the high 24 bits, index + 1 in pend[] in the low 8. An
 * mbuf a stage allocates inside the burst (a fragment, say) carries whatever an earlier
 * use left there; the tag, new for every traced burst, keeps it from passing for a traced one. */
static inline uint32_t *slot_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, dp_cap.trace_dynoff, uint32_t *);
}

static inline struct trace_pending *pending(struct worker *w, struct rte_mbuf *m)
{
	uint32_t v = *slot_of(m), k = v & 0xff;
	return v >> 8 == w->tap->tag && k && k <= w->tap->npend ? &w->tap->pend[k - 1] : NULL;
}

/* {packet, with its Ethernet header or not} => 4 or 6 with the SPD key filled, 0 if not IP */
static uint8_t key_of(struct rte_mbuf *m, bool l2, union acl_key *key)
{
	if (l2) {
		if (rte_pktmbuf_data_len(m) < DP_ETH_LEN + 20)
			return 0;
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint16_t type = rte_be_to_cpu_16(eth->ether_type);
		if (type != RTE_ETHER_TYPE_IPV4 && type != RTE_ETHER_TYPE_IPV6)
			return 0;
		rte_pktmbuf_adj(m, DP_ETH_LEN);
	}
	uint8_t family = (uint8_t)spd_key(m, key);
	if (l2)
		rte_pktmbuf_prepend(m, DP_ETH_LEN);	/* the same bytes, untouched */
	return family;
}

/* {key} => index + 1 of the policy of that direction's SPD it matches, 0 none. The same
 * lookup the stage did, repeated here for the traced packet only. */
static uint32_t policy_of(uint8_t dir, union acl_key *key, uint8_t family)
{
	uint32_t res = 0;
	if (family)
		spd_classify(atomic_load_explicit(&dp.spd[dir], memory_order_acquire), key, &family, 1, &res);
	return res;
}

static void note_policy(struct esp_dp_trace_rec *r, struct rte_mbuf *m, bool l2, uint8_t dir)
{
	union acl_key key;
	r->policy = policy_of(dir, &key, key_of(m, l2, &key));
	r->policy_dir = dir;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool trace_claim(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_tap *t = w->tap;
	uint32_t left = atomic_load_explicit(&dp_cap.trace_left, memory_order_acquire), take;
	if (!t || dp_cap.trace_dynoff < 0)
		return false;
	do {
		if (left == 0)
			return false;
		take = left < n ? left : n;
	} while (!atomic_compare_exchange_weak_explicit(&dp_cap.trace_left, &left, left - take,
							memory_order_acquire, memory_order_relaxed));
	uint64_t ts = now_ns();
	uint8_t role = dp.ports[port].role;
	t->tag = (t->tag + 1) & 0xffffff;
	for (uint16_t i = 0; i < n; i++)
		*slot_of(pkts[i]) = t->tag << 8 | (i < take ? i + 1u : 0u);
	for (uint16_t i = 0; i < take; i++) {
		struct trace_pending *p = &t->pend[i];
		struct esp_dp_trace_rec *r = &p->rec;
		union acl_key key;
		memset(r, 0, sizeof(*r));
		p->role = role;
		r->ts_ns = ts;
		r->port_in = port;
		r->port_out = ESP_DP_ANY_PORT;
		r->verdict = 2;
		r->worker = (uint8_t)t->worker;
		r->len = rte_pktmbuf_pkt_len(pkts[i]);
		r->family = key_of(pkts[i], true, &key);
		if (r->family == 4) {
			r->proto = key.v4.proto;
			memcpy(r->src, key.v4.src, 4);
			memcpy(r->dst, key.v4.dst, 4);
			r->sport = rte_be_to_cpu_16(key.v4.sport);
			r->dport = rte_be_to_cpu_16(key.v4.dport);
		} else if (r->family == 6) {
			r->proto = key.v6.proto;
			memcpy(r->src, key.v6.src, 16);
			memcpy(r->dst, key.v6.dst, 16);
			r->sport = rte_be_to_cpu_16(key.v6.sport);
			r->dport = rte_be_to_cpu_16(key.v6.dport);
		}
		/* a lan packet is decided by the outbound SPD before anything else */
		if (role == ESP_DP_ROLE_LAN && r->family) {
			r->policy = policy_of(ESP_DP_DIR_OUT, &key, r->family);
			r->policy_dir = ESP_DP_DIR_OUT;
		}
	}
	t->npend = take;
	return true;
}

void trace_sa(struct worker *w, const struct sa *sa, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct trace_pending *p = pending(w, pkts[i]);
		if (p)
			p->rec.spi = sa->conf.spi;
	}
}

void trace_drop(struct worker *w, const struct sa *sa, struct rte_mbuf *m, unsigned reason)
{
	struct trace_pending *p = pending(w, m);
	if (!p)
		return;
	*slot_of(m) = 0;	/* freed next: if a stage reallocates it in this burst, it is not this packet */
	p->rec.verdict = 1;
	p->rec.drop = (uint16_t)reason;
	if (sa && !p->rec.spi)
		p->rec.spi = sa->conf.spi;
	/* a decrypted packet its SA's policy refused: name the policy it did match */
	if (reason == ESP_DP_DROP_policy_mismatch)
		note_policy(&p->rec, m, false, ESP_DP_DIR_IN);
}

void trace_tx(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct trace_pending *p = pending(w, pkts[i]);
		if (!p)
			continue;
		p->rec.verdict = 0;
		p->rec.port_out = port;
		/* decrypted and forwarded: the inbound policy that let it through */
		if (p->role == ESP_DP_ROLE_WAN && p->rec.spi && !p->rec.policy)
			note_policy(&p->rec, pkts[i], true, ESP_DP_DIR_IN);
	}
}

void trace_punt(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	/* the TAP frees what it writes, and a later stage of this burst may reallocate it: the
	 * field is cleared now (a frame the kernel then refuses keeps the verdict to-kernel) */
	for (uint16_t i = 0; i < n; i++) {
		struct trace_pending *p = pending(w, pkts[i]);
		if (p) {
			p->rec.verdict = 3;
			*slot_of(pkts[i]) = 0;
		}
	}
}

void trace_inherit(struct rte_mbuf *from, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		*slot_of(pkts[i]) = *slot_of(from);
	*slot_of(from) = 0;	/* freed next, as in trace_drop */
}

static uint8_t trace_class(const struct trace_pending *p)
{
	const struct esp_dp_trace_rec *r = &p->rec;
	if (r->verdict == 1 && !r->spi && (r->drop == ESP_DP_DROP_malformed || r->drop == ESP_DP_DROP_no_room))
		return ESP_DP_CLASS_MALFORMED;
	if (p->role == ESP_DP_ROLE_LAN)
		return ESP_DP_CLASS_LAN;
	if (r->spi || (r->verdict == 1 && (r->drop == ESP_DP_DROP_truncated || r->drop == ESP_DP_DROP_unknown_spi)))
		return ESP_DP_CLASS_ESP_IN;
	return ESP_DP_CLASS_EXCEPTION;
}

void trace_flush(struct worker *w)
{
	struct dp_tap *t = w->tap;
	for (uint16_t i = 0; i < t->npend; i++) {
		t->pend[i].rec.klass = trace_class(&t->pend[i]);
		struct esp_dp_trace_rec *r = tap_ring_claim(&t->trace);
		if (!r)
			continue;
		*r = t->pend[i].rec;
		tap_ring_publish(&t->trace);
	}
	t->npend = 0;
	w->trace_burst = false;
}

int esp_dp_trace_start(uint32_t n)
{
	static const struct rte_mbuf_dynfield field = { .name = "esplane_dp_trace", .size = sizeof(uint32_t),
							 .align = __alignof__(uint32_t) };
	dp_clear_error();
	pthread_mutex_lock(&dp.lock);
	int rc = tap_alloc();
	if (rc)
		goto out;
	if (dp_cap.trace_dynoff < 0) {
		int off = rte_mbuf_dynfield_register(&field);
		if (off < 0) {
			rc = dp_fail(ENOSPC, "no room for the trace field in the mbuf: %d", rte_errno);
			goto out;
		}
		dp_cap.trace_dynoff = off;
	}
	atomic_store(&dp_cap.trace_left, 0);
	dp_rcu_wait();	/* no burst of the previous trace is still being recorded */
	for (unsigned k = 0; k < dp.nworkers; k++)
		ring_discard(&dp.workers[k].tap->trace);
	trace_base_dropped = tap_sum(true, true);
	atomic_store_explicit(&dp_cap.trace_left, n, memory_order_release);
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

int esp_dp_trace_read(struct esp_dp_trace_rec *out, uint32_t cap)
{
	return tap_read(true, out, cap);
}

int esp_dp_trace_remaining(void)
{
	return (int)atomic_load(&dp_cap.trace_left);
}

uint64_t trace_dropped(void)
{
	return tap_sum(true, true) - trace_base_dropped;
}
