/* Packet capture at a chosen point (esplane capture): workers copy at most snaplen bytes of
 * each matching packet, with a timestamp, into their own ring; the control thread drains
 * the rings. Nothing on the worker side waits, allocates or calls out of the library: a
 * capture that is not read fast enough loses records (counted), never packets. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "capture.h"

struct dp_capture_ctl dp_cap = { .cap_left = -1, .trace_dynoff = -1 };

/* what the last start saw, so the status counts only this capture's records */
static uint64_t cap_base_written, cap_base_dropped;

static int ring_init(struct tap_ring *r, uint32_t size, uint32_t slot_size)
{
	r->slots = rte_zmalloc("espdp_tap", (size_t)size * slot_size, RTE_CACHE_LINE_SIZE);
	if (!r->slots)
		return -ENOMEM;
	r->size = size;
	r->slot_size = slot_size;
	return 0;
}

int tap_alloc(void)
{
	if (!dp.workers)
		return dp_fail(ENODEV, "dataplane not initialised");
	for (unsigned k = 0; k < dp.nworkers; k++) {
		struct worker *w = &dp.workers[k];
		if (w->tap)
			continue;
		struct dp_tap *t = rte_zmalloc("espdp_tap", sizeof(*t), RTE_CACHE_LINE_SIZE);
		if (!t || ring_init(&t->cap, ESP_DP_CAPTURE_RING, sizeof(struct esp_dp_capture_rec)) ||
		    ring_init(&t->trace, ESP_DP_TRACE_RING, sizeof(struct esp_dp_trace_rec))) {
			if (t) {
				rte_free(t->cap.slots);
				rte_free(t);
			}
			return dp_fail(ENOMEM, "cannot allocate the capture rings of worker %u", k);
		}
		t->worker = (uint16_t)k;
		/* the worker reads the pointer only after it sees something armed (acquire there) */
		atomic_thread_fence(memory_order_release);
		w->tap = t;
	}
	return 0;
}

/* {frame or IP packet} => its ESP SPI (0 if not ESP) and first TCP/UDP ports (0 if none).
 * The headers are read from the first segment only. */
static void peek_l4(const struct rte_mbuf *m, bool l2, uint32_t *spi, uint16_t *sport, uint16_t *dport)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hl;
	uint8_t proto;
	*spi = 0;
	*sport = *dport = 0;
	if (l2) {
		if (len < DP_ETH_LEN)
			return;
		uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
		if (type != RTE_ETHER_TYPE_IPV4 && type != RTE_ETHER_TYPE_IPV6)
			return;
		p += DP_ETH_LEN;
		len -= DP_ETH_LEN;
	}
	if (len >= 20 && (p[0] >> 4) == 4) {
		hl = (p[0] & 15) * 4u;
		proto = p[9];
		if ((p[6] & 0x1f) || p[7])	/* a later fragment has no L4 header */
			return;
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		hl = 40;
		proto = p[6];
	} else {
		return;
	}
	if (hl > len)
		return;
	p += hl;
	len -= hl;
	if (proto == IPPROTO_ESP && len >= 4) {
		*spi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	} else if ((proto == IPPROTO_UDP || proto == IPPROTO_TCP) && len >= 4) {
		*sport = (uint16_t)(p[0] << 8 | p[1]);
		*dport = (uint16_t)(p[2] << 8 | p[3]);
		if (proto == IPPROTO_UDP && *dport == 4500 && len >= 12)	/* RFC 3948 */
			*spi = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	}
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* {} => true while the packet count allows one more; the last one disarms the capture */
static inline bool take_one(void)
{
	if (atomic_load_explicit(&dp_cap.cap_left, memory_order_relaxed) < 0)
		return true;
	int64_t left = atomic_fetch_sub_explicit(&dp_cap.cap_left, 1, memory_order_relaxed);
	if (left == 1)
		atomic_store_explicit(&dp_cap.points, 0, memory_order_relaxed);
	return left > 0;
}

void capture_burst(struct worker *w, unsigned point, uint16_t port, const struct sa *sa,
		   struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t armed = atomic_load_explicit(&dp_cap.points, memory_order_acquire);
	struct dp_tap *t = w->tap;
	if (!(armed & (1u << point)) || !t)
		return;
	const struct esp_dp_capture_conf *c = &dp_cap.conf;
	bool inner = point == ESP_DP_CAP_AFTER_DECRYPT || point == ESP_DP_CAP_BEFORE_ENCRYPT;
	if (inner && (!sa || sa->dir != (point == ESP_DP_CAP_AFTER_DECRYPT ? ESP_DP_DIR_IN : ESP_DP_DIR_OUT)))
		return;
	if (inner && c->spi && sa->conf.spi != c->spi)
		return;
	uint64_t ts = now_ns();
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if ((!inner && c->spi) || c->l4_port != ESP_DP_ANY_PORT) {
			uint32_t spi;
			uint16_t sport, dport;
			peek_l4(m, !inner, &spi, &sport, &dport);
			if (!inner && c->spi && spi != c->spi)
				continue;
			if (c->l4_port != ESP_DP_ANY_PORT && sport != c->l4_port && dport != c->l4_port)
				continue;
		}
		struct esp_dp_capture_rec *r = tap_ring_claim(&t->cap);
		if (!r)
			continue;
		if (!take_one())
			return;
		uint32_t len = rte_pktmbuf_pkt_len(m);
		uint16_t caplen = (uint16_t)(len < c->snaplen ? len : c->snaplen);
		r->ts_ns = ts;
		r->orig_len = len;
		r->caplen = caplen;
		r->point = (uint8_t)point;
		r->l3 = inner;
		r->port = port;
		r->worker = t->worker;
		r->spi = inner ? sa->conf.spi : 0;
		const void *d = rte_pktmbuf_read(m, 0, caplen, r->data);	/* copies only when segmented */
		if (d != r->data)
			memcpy(r->data, d, caplen);
		tap_ring_publish(&t->cap);
	}
}

/* The control side. */

uint64_t tap_sum(bool trace, bool dropped)
{
	uint64_t s = 0;
	for (unsigned k = 0; dp.workers && k < dp.nworkers; k++) {
		const struct dp_tap *t = dp.workers[k].tap;
		if (!t)
			continue;
		const struct tap_ring *r = trace ? &t->trace : &t->cap;
		s += dropped ? r->dropped : r->written;
	}
	return s;
}

/* {ring} => the unread records discarded (consumer side only: the producer owns head) */
void ring_discard(struct tap_ring *r)
{
	atomic_store_explicit(&r->tail, atomic_load_explicit(&r->head, memory_order_acquire), memory_order_release);
}

/* {ring, out, cap} => records copied out, oldest first; of a packet record only the bytes
 * captured (a 64-byte packet is not worth a 2 KiB copy) */
static uint32_t ring_drain(struct tap_ring *r, uint8_t *out, uint32_t cap, bool packets)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t n = 0;
	for (; t != h && n < cap; t++, n++) {
		const uint8_t *slot = r->slots + (size_t)(t & (r->size - 1)) * r->slot_size;
		size_t len = packets ? offsetof(struct esp_dp_capture_rec, data) +
					       ((const struct esp_dp_capture_rec *)slot)->caplen
				     : r->slot_size;
		memcpy(out + (size_t)n * r->slot_size, slot, len);
	}
	atomic_store_explicit(&r->tail, t, memory_order_release);
	return n;
}

/* {trace} => records of every worker drained into out, round robin */
int tap_read(bool trace, void *out, uint32_t cap)
{
	dp_clear_error();
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	pthread_mutex_lock(&dp.lock);
	uint32_t n = 0;
	size_t size = trace ? sizeof(struct esp_dp_trace_rec) : sizeof(struct esp_dp_capture_rec);
	for (unsigned k = 0; dp.workers && k < dp.nworkers && n < cap; k++) {
		struct dp_tap *t = dp.workers[k].tap;
		if (t)
			n += ring_drain(trace ? &t->trace : &t->cap, (uint8_t *)out + n * size, cap - n, !trace);
	}
	pthread_mutex_unlock(&dp.lock);
	return (int)n;
}

int esp_dp_capture_start(const struct esp_dp_capture_conf *conf)
{
	dp_clear_error();
	if (!conf)
		return dp_fail(EINVAL, "capture: NULL");
	if (conf->point >= ESP_DP_CAP_POINTS)
		return dp_fail(EINVAL, "capture.point: %u is not a capture point (0..%u)", conf->point, ESP_DP_CAP_POINTS - 1);
	pthread_mutex_lock(&dp.lock);
	int rc = 0;
	if (atomic_load(&dp_cap.points)) {
		rc = dp_fail(EBUSY, "a capture is already running (stop it first)");
		goto out;
	}
	if ((rc = tap_alloc()) != 0)
		goto out;
	/* a previous capture that ended by its count may still be finishing a burst */
	dp_rcu_wait();
	for (unsigned k = 0; k < dp.nworkers; k++)
		ring_discard(&dp.workers[k].tap->cap);
	dp_cap.conf = *conf;
	if (dp_cap.conf.snaplen == 0 || dp_cap.conf.snaplen > ESP_DP_CAPTURE_SNAP_MAX)
		dp_cap.conf.snaplen = ESP_DP_CAPTURE_SNAP_MAX;
	cap_base_written = tap_sum(false, false);
	cap_base_dropped = tap_sum(false, true);
	atomic_store(&dp_cap.cap_left, conf->count ? (int64_t)conf->count : -1);
	atomic_store_explicit(&dp_cap.points, 1u << conf->point, memory_order_release);
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

int esp_dp_capture_stop(void)
{
	dp_clear_error();
	pthread_mutex_lock(&dp.lock);
	atomic_store(&dp_cap.points, 0);
	dp_rcu_wait();	/* no worker is still writing a record of it */
	pthread_mutex_unlock(&dp.lock);
	return 0;
}

int esp_dp_capture_read(struct esp_dp_capture_rec *out, uint32_t cap)
{
	return tap_read(false, out, cap);
}

int esp_dp_capture_status(struct esp_dp_capture_status *st)
{
	dp_clear_error();
	if (!st)
		return dp_fail(EINVAL, "status: NULL");
	pthread_mutex_lock(&dp.lock);
	int64_t left = atomic_load(&dp_cap.cap_left);
	*st = (struct esp_dp_capture_status){
		.armed = atomic_load(&dp_cap.points) != 0,
		.point = dp_cap.conf.point,
		.remaining = left < 0 ? 0 : (uint32_t)left,
		.captured = tap_sum(false, false) - cap_base_written,
		.dropped = tap_sum(false, true) - cap_base_dropped,
		.trace_dropped = trace_dropped(),
	};
	pthread_mutex_unlock(&dp.lock);
	return 0;
}
