/* esplane dataplane — capture and trace hooks, and the ring they write into. Not part of the ABI.
 *
 * Each worker owns two single-producer/single-consumer rings of fixed-size slots (packets
 * and decisions), allocated when a capture or trace is first armed and kept for the
 * process: the worker is the only producer, the control call holding dp.lock the only
 * consumer. A full ring counts a drop; the worker never waits, allocates or calls out.
 *
 * The hooks below are inline and, disarmed, cost one load of a read-mostly word and one
 * predictable branch each. */
#ifndef ESPLANE_DP_CAPTURE_H
#define ESPLANE_DP_CAPTURE_H

#include "internal.h"

struct tap_ring {
	_Atomic uint32_t head __rte_cache_aligned;	/* producer: next slot to fill */
	uint64_t dropped;				/* producer: records lost to a full ring */
	uint64_t written;				/* producer: records published */
	_Atomic uint32_t tail __rte_cache_aligned;	/* consumer: next slot to read */
	uint32_t size;					/* slots, a power of two */
	uint32_t slot_size;
	uint8_t *slots;
};

/* {ring} => the slot to fill, or NULL (counted) when the consumer has not caught up */
static inline void *tap_ring_claim(struct tap_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (h - t >= r->size) {
		r->dropped++;
		return NULL;
	}
	return r->slots + (size_t)(h & (r->size - 1)) * r->slot_size;
}

/* {ring} => the claimed slot visible to the consumer */
static inline void tap_ring_publish(struct tap_ring *r)
{
	r->written++;
	atomic_store_explicit(&r->head, atomic_load_explicit(&r->head, memory_order_relaxed) + 1,
			      memory_order_release);
}

/* A traced packet, from reception to its decision (the record is filled as it goes). */
struct trace_pending {
	struct esp_dp_trace_rec rec;
	uint8_t role;		/* of the port it came in on */
};

struct dp_tap {
	struct tap_ring cap, trace;
	uint16_t worker;
	uint16_t npend;
	uint32_t tag;		/* of the traced burst in hand (trace.c) */
	struct trace_pending pend[DP_BURST];
};

/* What is armed, read by every worker per burst: kept on its own cache line. */
struct dp_capture_ctl {
	_Atomic uint32_t points;	/* bit per armed enum esp_dp_capture_point */
	_Atomic uint32_t trace_left;	/* packets still to trace */
	_Atomic int64_t cap_left;	/* packets still to capture; < 0 = no limit */
	struct esp_dp_capture_conf conf;	/* stable while armed */
	int trace_dynoff;		/* mbuf dynamic field: burst tag and index + 1 in pend[] */
} __rte_cache_aligned;
extern struct dp_capture_ctl dp_cap;

/* Control side, under dp.lock. */
/* {} => every worker has its rings; -ENOMEM */
int tap_alloc(void);
/* {trace ring or capture ring, dropped or written} => summed over the workers */
uint64_t tap_sum(bool trace, bool dropped);
/* {ring} => its unread records discarded (consumer side only: the producer owns head) */
void ring_discard(struct tap_ring *r);
/* {trace, out[cap]} => records of every worker drained into out (takes dp.lock) */
int tap_read(bool trace, void *out, uint32_t cap);
/* {} => decisions lost to a full ring since the trace started */
uint64_t trace_dropped(void);

void capture_burst(struct worker *w, unsigned point, uint16_t port, const struct sa *sa,
		   struct rte_mbuf **pkts, uint16_t n);
bool trace_claim(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void trace_sa(struct worker *w, const struct sa *sa, struct rte_mbuf **pkts, uint16_t n);
void trace_tx(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void trace_punt(struct worker *w, struct rte_mbuf **pkts, uint16_t n);
void trace_inherit(struct rte_mbuf *from, struct rte_mbuf **pkts, uint16_t n);
void trace_flush(struct worker *w);

/* Packets at a capture point: copied when a capture is armed there. port = ESP_DP_ANY_PORT
 * inside the dataplane; sa = the SA at the decrypt/encrypt points. */
static inline void capture_point(struct worker *w, unsigned point, uint16_t port, const struct sa *sa,
				 struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(atomic_load_explicit(&dp_cap.points, memory_order_relaxed) & (1u << point)))
		capture_burst(w, point, port, sa, pkts, n);
}

/* A received burst: the rx capture point, and the start of its trace if one is armed. */
static inline void tap_rx(struct worker *w, uint16_t port, uint8_t role, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(atomic_load_explicit(&dp_cap.points, memory_order_relaxed) &
		     ((1u << ESP_DP_CAP_WAN_IN) | (1u << ESP_DP_CAP_LAN_IN))))
		capture_burst(w, role == ESP_DP_ROLE_WAN ? ESP_DP_CAP_WAN_IN : ESP_DP_CAP_LAN_IN, port, NULL, pkts, n);
	w->trace_burst = unlikely(atomic_load_explicit(&dp_cap.trace_left, memory_order_relaxed) != 0) &&
			 trace_claim(w, port, pkts, n);
}

/* The burst is done: its traced packets' decisions go to the ring. */
static inline void tap_burst_done(struct worker *w)
{
	if (unlikely(w->trace_burst))
		trace_flush(w);
}

/* Packets about to be handed to a port. */
static inline void tap_tx(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(atomic_load_explicit(&dp_cap.points, memory_order_relaxed) &
		     ((1u << ESP_DP_CAP_WAN_OUT) | (1u << ESP_DP_CAP_LAN_OUT))))
		capture_burst(w, dp.ports[port].role == ESP_DP_ROLE_WAN ? ESP_DP_CAP_WAN_OUT : ESP_DP_CAP_LAN_OUT,
			      port, NULL, pkts, n);
	if (unlikely(w->trace_burst))
		trace_tx(w, port, pkts, n);
}

/* Packets about to be written to a port's exception TAP (the kernel). */
static inline void tap_punt(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(w->trace_burst))
		trace_punt(w, pkts, n);
}

/* Packets made from one (fragments): a traced packet's decision follows them. */
static inline void tap_inherit(struct worker *w, struct rte_mbuf *from, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(w->trace_burst))
		trace_inherit(from, pkts, n);
}

/* A run of packets of one SA, before its stage: the encrypt capture point and the trace. */
static inline void tap_sa(struct worker *w, const struct sa *sa, struct rte_mbuf **pkts, uint16_t n)
{
	capture_point(w, ESP_DP_CAP_BEFORE_ENCRYPT, ESP_DP_ANY_PORT, sa, pkts, n);
	if (unlikely(w->trace_burst))
		trace_sa(w, sa, pkts, n);
}

#endif
