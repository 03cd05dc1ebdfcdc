/* Spreading one RX queue's work over every worker, order kept.
 *
 * RSS keeps a flow on one RX queue, which keeps its order but also keeps everything RSS cannot
 * tell apart on one worker: all ESP of one SA from one peer (one outer address pair, one SPI)
 * is one "flow" to the NIC. With ESPLANE_DP_SPREAD=1 the worker polling a queue numbers each
 * burst (a ticket), keeps every n-th and hands the others round-robin to the other workers'
 * inboxes; whoever finishes a burst leaves its output in the burst's slot and sends every
 * finished slot in ticket order (one drainer at a time per queue, taken with trylock, so no
 * one waits). The output of a queue is thus sent in the order it was received, always on the
 * TX queues of the queue's polling worker, so the wire sees that order too. An inbound SA
 * processed on two workers at once is what sa_shared.h makes safe.
 *
 *   RX worker:  poll -> slot[t % 64] (t = ticket++) -> run here, or -> inbox of worker t % N
 *   any worker: run slot (classify, ESP, policy) -> done = t + 1 -> drain in ticket order
 *
 * Costs: the mbufs move between cores, TX queues take their spinlock (two workers may send a
 * stream on one queue), a queue holds at most 64 bursts in flight (the poller skips it when
 * full). Bursts being traced stay on the worker that polled them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "capture.h"
#include "spread.h"

static struct {
	bool on;
	struct spread_stream *stream[DP_MAX_PORTS][DP_MAX_WORKERS];	/* [port][rx queue] */
	struct rte_ring *inbox[DP_MAX_WORKERS];
	/* busy: the worker's last poll brought a burst; otherwise (nothing to poll, nothing
	 * came, its queue full) it may take bursts from others' inboxes */
	struct { bool busy; } __rte_cache_aligned worker[DP_MAX_WORKERS];
} spread;

bool spread_on(void)
{
	return spread.on;
}

int spread_setup(void)
{
	const char *env = getenv("ESPLANE_DP_SPREAD");
	if (!env || strcmp(env, "1") != 0 || dp.nworkers < 2 || spread.on)
		return 0;
	for (unsigned k = 0; k < dp.nworkers; k++) {
		char name[32];
		snprintf(name, sizeof(name), "espdp_spread%u", k);
		/* multi-consumer: an idle worker takes bursts from a busy (or descheduled) one */
		spread.inbox[k] = rte_ring_create(name, SPREAD_SLOTS * DP_MAX_PORTS * DP_MAX_WORKERS, SOCKET_ID_ANY, 0);
		if (!spread.inbox[k])
			return -ENOMEM;
	}
	for (uint16_t port = 0; port < DP_MAX_PORTS; port++) {
		if (!dp.ports[port].used)
			continue;
		dp.ports[port].tx_shared = true;	/* a stream may be sent by any worker */
		for (uint16_t q = 0; q < dp.ports[port].nrxq; q++) {
			struct spread_stream *s = rte_zmalloc("espdp_stream", sizeof(*s), RTE_CACHE_LINE_SIZE);
			if (!s)
				return -ENOMEM;
			rte_spinlock_init(&s->drain);
			for (unsigned i = 0; i < SPREAD_SLOTS; i++)
				s->slot[i].stream = s;
			spread.stream[port][q] = s;
		}
	}
	for (unsigned k = 0; k < dp.nworkers; k++)	/* who polls which queue (queues.c) */
		for (uint16_t i = 0; i < dp.workers[k].nports; i++)
			spread.stream[dp.workers[k].ports[i]][dp.workers[k].rxq[i]]->tx_worker = (uint16_t)k;
	spread.on = true;
	return 0;
}

/* Send every finished burst of the stream in ticket order; whoever holds the drain sends. */
static void drain(struct worker *w, struct spread_stream *s)
{
	const struct fib *fib = atomic_load_explicit(&dp.fib, memory_order_acquire);
	uint16_t own[DP_MAX_PORTS];
	memcpy(own, w->txq, sizeof(own));
	for (;;) {
		if (!rte_spinlock_trylock(&s->drain))
			return;	/* the holder re-checks after it lets go */
		uint32_t t = atomic_load_explicit(&s->sent, memory_order_relaxed);
		memcpy(w->txq, dp.workers[s->tx_worker].txq, sizeof(own));
		for (;;) {
			struct spread_slot *sl = &s->slot[t % SPREAD_SLOTS];
			if (atomic_load_explicit(&sl->done, memory_order_acquire) != t + 1)
				break;
			route_and_send(w, fib, sl->pkts, sl->n);
			t++;
			atomic_store_explicit(&s->sent, t, memory_order_release);
		}
		memcpy(w->txq, own, sizeof(own));
		rte_spinlock_unlock(&s->drain);
		/* a burst finished between the last look and the unlock: its worker's trylock
		 * failed, so take it from here. The fence orders the unlock before the look (x86
		 * would otherwise let the load pass the store, and both sides would miss) */
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (atomic_load_explicit(&s->slot[t % SPREAD_SLOTS].done, memory_order_acquire) != t + 1)
			return;
	}
}

static void run_slot(struct worker *w, struct spread_slot *sl)
{
	struct rte_mbuf *out[DP_BURST];
	uint16_t nout = process_burst(w, sl->port, dp.ports[sl->port].role, sl->pkts, sl->n, out);
	memcpy(sl->pkts, out, nout * sizeof(out[0]));
	sl->n = nout;
	atomic_store_explicit(&sl->done, sl->ticket + 1, memory_order_release);
	drain(w, sl->stream);
}

bool spread_poll(struct worker *w, uint16_t k)
{
	uint16_t port = w->ports[k];
	struct spread_stream *s = spread.stream[port][w->rxq[k]];
	if (s->issued - atomic_load_explicit(&s->sent, memory_order_acquire) >= SPREAD_SLOTS) {
		spread.worker[w->id].busy = false;	/* full: help the others catch up */
		return true;
	}
	struct spread_slot *sl = &s->slot[s->issued % SPREAD_SLOTS];
	uint16_t n = worker_rx(w, k, sl->pkts);
	spread.worker[w->id].busy = n != 0;
	if (n == 0)
		return true;
	sl->ticket = s->issued++;
	sl->port = port;
	sl->n = n;
	tap_rx(w, port, dp.ports[port].role, sl->pkts, n);
	unsigned to = sl->ticket % dp.nworkers;
	if (w->trace_burst || to == w->id || rte_ring_enqueue(spread.inbox[to], sl) != 0)
		run_slot(w, sl);
	tap_burst_done(w);
	return true;
}

void spread_serve(struct worker *w)
{
	void *got[8];
	/* its own inbox first; when that is empty and the worker has nothing else to do, the
	 * others' (a worker that is busy, or that the OS descheduled, would otherwise hold up
	 * every queue whose bursts it was given) */
	unsigned tries = spread.worker[w->id].busy ? 1 : dp.nworkers;
	for (unsigned k = 0; k < tries; k++) {
		unsigned from = (w->id + k) % dp.nworkers;
		unsigned n = rte_ring_dequeue_burst(spread.inbox[from], got, RTE_DIM(got), NULL);
		for (unsigned i = 0; i < n; i++)
			run_slot(w, got[i]);
		if (n) {
			w->got_work = true;
			return;
		}
	}
}

void spread_flush(void)
{
	void *sl;
	for (unsigned k = 0; spread.on && k < dp.nworkers; k++)
		while (rte_ring_dequeue(spread.inbox[k], &sl) == 0)
			rte_pktmbuf_free_bulk(((struct spread_slot *)sl)->pkts, ((struct spread_slot *)sl)->n);
}
