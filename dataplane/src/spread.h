/* Polling one wan RX queue from every worker with its order kept (spread.c).
 * On when there are several workers, unless ESPLANE_DP_SPREAD=0. */
#ifndef ESPLANE_DP_SPREAD_H
#define ESPLANE_DP_SPREAD_H

#include "internal.h"

#define SPREAD_SLOTS 64	/* bursts in flight per RX queue; a power of two */

/* The inbound replay updates of one burst, made in the burst's turn (esp_inbound.c records
 * the packets that decrypted; the drain moves the window and drops late duplicates). */
struct spread_defer {
	uint16_t n;
	uint16_t by;	/* the worker that ran the burst: it sends it, the counts are in its slot */
	struct {
		struct sa *sa;
		struct rte_mbuf *m;
		uint64_t seq;
		uint32_t bytes;
	} e[DP_BURST];
};

static inline void spread_defer_add(struct spread_defer *d, struct sa *sa, struct rte_mbuf *m, uint64_t seq,
				    uint32_t bytes)
{
	if (d->n < DP_BURST)	/* a burst has at most DP_BURST packets */
		d->e[d->n++] = (typeof(d->e[0])){ sa, m, seq, bytes };
}

/* One burst of one RX queue: its packets in, then the same array holds what is to be sent. */
struct spread_slot {
	struct spread_stream *stream;
	uint32_t ticket;
	uint16_t port, n;
	_Atomic uint32_t done;	/* ticket + 1 once pkts[0..n) is the output */
	struct rte_mbuf *pkts[DP_BURST];
	struct spread_defer defer;
} __rte_cache_aligned;

/* Every burst of one RX queue, numbered by the worker that polls it and sent in that order. */
struct spread_stream {
	rte_spinlock_t rx;		/* held to poll the queue and take a ticket */
	_Atomic uint32_t issued;	/* tickets handed out, under rx */
	_Atomic bool backed_up;		/* its last poll brought a full burst: others may help */
	uint16_t port, rxq;
	uint16_t index;			/* in the list of every stream (spread.c) */
	uint16_t tx_worker;		/* the queue's own worker, whose TX queues carry the stream */
	_Atomic uint32_t sent __rte_cache_aligned;	/* tickets whose output went out */
	struct spread_slot slot[SPREAD_SLOTS];
};

/* {} => a stream for every wan RX queue, when workers > 1 and ESPLANE_DP_SPREAD
 * is not 0; 0 or -errno */
int spread_setup(void);
bool spread_on(void);
/* {worker, k} => true when the worker's k-th RX queue is spread and was polled and handled */
bool spread_poll(struct worker *w, uint16_t k);
/* {worker} => with nothing of its own to do, a burst of each backed-up queue of another
 * worker polled and processed */
void spread_serve(struct worker *w);
/* {} => unsent bursts freed (after the workers stopped) */
void spread_flush(void);
/* {} => every burst polled before now sent (so the SAs they name may be freed) */
void spread_wait(void);

/* worker.c: {worker, k} => a burst from its k-th RX queue in pkts (the TAP polled, counted) */
uint16_t worker_rx(struct worker *w, uint16_t k, struct rte_mbuf **pkts);
/* worker.c: one burst through classification and its stages; the output in out[], returned */
uint16_t process_burst(struct worker *w, uint16_t port, uint8_t role, struct rte_mbuf **pkts, uint16_t n,
		       struct rte_mbuf **out);

#endif
