/* Spreading one RX queue's bursts over every worker with their order kept (spread.c).
 * Off unless ESPLANE_DP_SPREAD=1 and there are several workers. */
#ifndef ESPLANE_DP_SPREAD_H
#define ESPLANE_DP_SPREAD_H

#include "internal.h"

#define SPREAD_SLOTS 64	/* bursts in flight per RX queue; a power of two */

/* One burst of one RX queue: its packets in, then the same array holds what is to be sent. */
struct spread_slot {
	struct spread_stream *stream;
	uint32_t ticket;
	uint16_t port, n;
	_Atomic uint32_t done;	/* ticket + 1 once pkts[0..n) is the output */
	struct rte_mbuf *pkts[DP_BURST];
} __rte_cache_aligned;

/* Every burst of one RX queue, numbered by the worker that polls it and sent in that order. */
struct spread_stream {
	uint32_t issued;		/* tickets handed out: only the polling worker writes it */
	uint16_t tx_worker;		/* whose TX queues carry the stream, so it keeps its order */
	_Atomic uint32_t sent __rte_cache_aligned;	/* tickets whose output went out */
	rte_spinlock_t drain;
	struct spread_slot slot[SPREAD_SLOTS];
};

/* {} => streams and inboxes made when ESPLANE_DP_SPREAD=1 and workers > 1; 0 or -errno */
int spread_setup(void);
bool spread_on(void);
/* {worker, k} => true when the worker's k-th RX queue was polled and handled through a stream */
bool spread_poll(struct worker *w, uint16_t k);
/* {worker} => the bursts other workers handed it processed */
void spread_serve(struct worker *w);
/* {} => packets left in inboxes freed (after the workers stopped) */
void spread_flush(void);

/* worker.c: {worker, k} => a burst from its k-th RX queue in pkts (the TAP polled, counted) */
uint16_t worker_rx(struct worker *w, uint16_t k, struct rte_mbuf **pkts);
/* worker.c: one burst through classification and its stages; the output in out[], returned */
uint16_t process_burst(struct worker *w, uint16_t port, uint8_t role, struct rte_mbuf **pkts, uint16_t n,
		       struct rte_mbuf **out);

#endif
