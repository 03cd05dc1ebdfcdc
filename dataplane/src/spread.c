/* Spreading one wan RX queue's work over every worker, order kept.
 *
 * RSS keeps a flow on one RX queue, which keeps its order but also keeps everything RSS cannot
 * tell apart on one worker: all ESP of one SA from one peer (one outer address pair, one SPI)
 * is one "flow" to the NIC. So with several workers a wan queue that is backed up (its last
 * poll brought a full burst) may be polled by any worker with nothing of its own to do: the
 * queue's RX lock (trylock) makes one poll at a time, and the poll numbers its burst (a
 * ticket). The worker that polled a burst processes it and sends it, so the packets never
 * leave the cache of the core that received them (handing bursts to another core moved every
 * packet between caches and cost more than it saved) and its mbufs go back to its own
 * mempool cache. Sending is in ticket order: a finished burst waits in its slot until every
 * earlier one is sent, and is then sent by its worker (right away, or at its next loop). The
 * output of a queue thus leaves in the order it was received, always on the TX queues of the
 * queue's own worker, so the wire sees that order.
 *
 *   any worker: trylock rx -> poll -> slot[t % 64] (t = ticket++) -> unlock
 *               -> run slot (classify, ESP, policy) -> done = t + 1
 *               -> once sent == t: replay window updates of the slot, route, send, sent = t + 1
 *
 * The replay window moves in ticket order, when a burst is sent (esp_inbound.c leaves the
 * update to it): were it moved as bursts finish, a burst finishing before an earlier one
 * would push the earlier one's packets below a window of 32 or 64. So the window sees the packets of a
 * queue in the order they arrived, exactly as with one core, whatever the reordering between
 * cores. An SA arriving on several queues at once is what sa_shared.h makes safe.
 *
 * Only wan queues are spread: outbound, a sequence number is taken when a burst is processed,
 * so bursts processed side by side would leave in ticket order with their numbers out of
 * order; and the lan side has many inner flows for RSS to spread.
 *
 * Costs: the queue's RX state moves between cores with the lock, TX queues take their
 * spinlock (two workers may send a stream on one queue), a queue holds at most 64 bursts in
 * flight (then nobody polls it). A worker the OS deschedules while it holds a burst (or the
 * RX lock) holds up that burst's queue until it runs again: on an oversubscribed machine
 * spreading can cost more than it brings (set ESPLANE_DP_SPREAD=0). Only the queue's own worker polls the
 * exception TAP. */
#define _GNU_SOURCE	/* cpu_set_t, for rte_lcore_cpuset() */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "capture.h"
#include "sa_shared.h"
#include "spread.h"

static struct {
	bool on;
	struct spread_stream *stream[DP_MAX_PORTS][DP_MAX_WORKERS];	/* [port][rx queue]; NULL: not spread */
	struct spread_stream *all[DP_MAX_PORTS * DP_MAX_WORKERS];	/* the same, listed */
	unsigned nall;
	/* one of the worker's own polls brought a full burst since its last spread_serve(): it
	 * has enough of its own and helps nobody */
	struct {
		bool full;
		/* by stream: 1 + the last ticket it finished that was not yet sent then, or 0 (64
		 * bits: never 0 when the ticket wraps). Its loop looks at these streams only (looking
		 * at every stream each loop read lines the other workers keep writing) */
		uint64_t owed[DP_MAX_PORTS * DP_MAX_WORKERS];
	} __rte_cache_aligned worker[DP_MAX_WORKERS];
} spread;

bool spread_on(void)
{
	return spread.on;
}

/* {} => every worker has a CPU of its own: pinned to one CPU that no other worker shares */
static bool workers_own_their_cpus(void)
{
	rte_cpuset_t seen;
	CPU_ZERO(&seen);
	for (unsigned k = 0; k < dp.nworkers; k++) {
		rte_cpuset_t set = rte_lcore_cpuset(dp.workers[k].lcore);
		if (CPU_COUNT(&set) != 1)
			return false;
		for (unsigned c = 0; c < CPU_SETSIZE; c++) {
			if (!CPU_ISSET(c, &set))
				continue;
			if (CPU_ISSET(c, &seen))
				return false;
			CPU_SET(c, &seen);
		}
	}
	return true;
}

int spread_setup(void)
{
	/* on by default when it can pay: several workers, each on a CPU of its own (two workers
	 * taking turns on one CPU would hold up each other's bursts for whole time slices);
	 * ESPLANE_DP_SPREAD=1 or 0 decides instead. Called at every start (the workers are
	 * stopped), since ports may have been added or closed since the last. */
	const char *env = getenv("ESPLANE_DP_SPREAD");
	bool want = env && *env ? strcmp(env, "0") != 0 : workers_own_their_cpus();
	spread.on = false;
	if (!want || dp.nworkers < 2)
		return 0;
	spread.nall = 0;
	for (unsigned k = 0; k < DP_MAX_WORKERS; k++)	/* stream indexes change below */
		memset(spread.worker[k].owed, 0, sizeof(spread.worker[k].owed));
	for (uint16_t port = 0; port < DP_MAX_PORTS; port++) {
		struct dp_port *p = &dp.ports[port];
		if (p->used)
			p->tx_shared = true;	/* a stream may be sent by any worker */
		for (uint16_t q = 0; q < DP_MAX_WORKERS; q++) {
			struct spread_stream *s = spread.stream[port][q];
			if (!(p->used && p->role == ESP_DP_ROLE_WAN && q < p->nrxq)) {
				rte_free(s);	/* empty: spread_flush() ran when the workers stopped */
				spread.stream[port][q] = NULL;
				continue;
			}
			if (!s) {
				s = rte_zmalloc("espdp_stream", sizeof(*s), RTE_CACHE_LINE_SIZE);
				if (!s)
					return -ENOMEM;
				rte_spinlock_init(&s->rx);
				for (unsigned i = 0; i < SPREAD_SLOTS; i++)
					s->slot[i].stream = s;
				spread.stream[port][q] = s;
			}
			s->index = (uint16_t)spread.nall;
			spread.all[spread.nall++] = s;
		}
	}
	for (unsigned k = 0; k < dp.nworkers; k++)	/* who polls which queue (queues.c) */
		for (uint16_t i = 0; i < dp.workers[k].nports; i++) {
			struct spread_stream *s = spread.stream[dp.workers[k].ports[i]][dp.workers[k].rxq[i]];
			if (s) {
				s->tx_worker = (uint16_t)k;
				s->port = dp.workers[k].ports[i];
				s->rxq = dp.workers[k].rxq[i];
			}
		}
	spread.on = true;
	return 0;
}

/* The slot's replay window updates, in its turn: a packet the window now refuses (a duplicate
 * of one in an earlier burst still in flight when it was checked) is dropped, and uncounted. */
static void replay_in_turn(struct worker *w, struct spread_slot *sl)
{
	struct spread_defer *d = &sl->defer;
	uint8_t verdict[DP_BURST];
	for (uint16_t i = 0; i < d->n;) {
		struct sa *sa = d->e[i].sa;
		uint16_t j = i;
		rte_spinlock_lock(&sa->rt->replay_lock);
		for (; j < d->n && d->e[j].sa == sa; j++)
			verdict[j] = (uint8_t)replay_update(sa->rt->replay, d->e[j].seq);
		rte_spinlock_unlock(&sa->rt->replay_lock);
		for (; i < j; i++) {
			if (!verdict[i])
				continue;
			/* not among the output: a later stage dropped it already */
			for (uint16_t k = 0; k < sl->n; k++) {
				if (sl->pkts[k] != d->e[i].m)
					continue;
				memmove(&sl->pkts[k], &sl->pkts[k + 1], (sl->n - k - 1u) * sizeof(sl->pkts[0]));
				sl->n--;
				/* counted in the slot of the worker that decrypted it, which adds
				 * atomically for this (esp_inbound.c) */
				struct sa_counters *c = &sa->rt->c[d->by];
				__atomic_fetch_sub(&c->packets, 1, __ATOMIC_RELAXED);
				__atomic_fetch_sub(&c->bytes, d->e[i].bytes, __ATOMIC_RELAXED);
				if (sa->volume_limited)
					sa_life_give_back(sa, d->e[i].bytes);
				dp_drop(w, sa, d->e[i].m, verdict[i]);
				break;
			}
		}
	}
	d->n = 0;
}

/* {worker, stream} => the stream's finished bursts sent in ticket order for as long as the
 * next one is this worker's. Each burst leaves from the core that processed it: its headers
 * are not pulled into another core's cache, its mbufs go back to this core's mempool cache.
 * The next burst's worker sends it when it next looks (every loop, spread_serve()); only
 * that worker can, so no lock is needed to keep one sender at a time. */
static void drain(struct worker *w, struct spread_stream *s)
{
	uint32_t t = atomic_load_explicit(&s->sent, memory_order_acquire);
	struct spread_slot *sl = &s->slot[t % SPREAD_SLOTS];
	if (atomic_load_explicit(&sl->done, memory_order_acquire) != t + 1 || sl->defer.by != w->id)
		return;
	const struct fib *fib = atomic_load_explicit(&dp.fib, memory_order_acquire);
	uint16_t own[DP_MAX_PORTS];
	memcpy(own, w->txq, sizeof(own));
	memcpy(w->txq, dp.workers[s->tx_worker].txq, sizeof(own));
	do {
		if (sl->defer.n)
			replay_in_turn(w, sl);
		route_and_send(w, fib, sl->pkts, sl->n);
		t++;
		atomic_store_explicit(&s->sent, t, memory_order_release);
		sl = &s->slot[t % SPREAD_SLOTS];
	} while (atomic_load_explicit(&sl->done, memory_order_acquire) == t + 1 && sl->defer.by == w->id);
	memcpy(w->txq, own, sizeof(own));
}

static void run_slot(struct worker *w, struct spread_slot *sl)
{
	struct rte_mbuf *out[DP_BURST];
	sl->defer.n = 0;
	sl->defer.by = w->id;
	w->defer = &sl->defer;
	uint16_t nout = process_burst(w, sl->port, dp.ports[sl->port].role, sl->pkts, sl->n, out);
	w->defer = NULL;
	memcpy(sl->pkts, out, nout * sizeof(out[0]));
	sl->n = nout;
	atomic_store_explicit(&sl->done, sl->ticket + 1, memory_order_release);
	struct spread_stream *s = sl->stream;
	drain(w, s);
	if ((int32_t)(atomic_load_explicit(&s->sent, memory_order_relaxed) - (sl->ticket + 1)) < 0)
		spread.worker[w->id].owed[s->index] = (uint64_t)sl->ticket + 1;
}

/* {worker, stream, its index k among the worker's own queues or -1} => a burst of the queue
 * polled, processed and (in its turn) sent; false when the queue is busy, full or empty */
static bool poll_stream(struct worker *w, struct spread_stream *s, int k)
{
	if (!rte_spinlock_trylock(&s->rx))
		return false;	/* another worker is polling it */
	uint32_t issued = atomic_load_explicit(&s->issued, memory_order_relaxed);
	if (issued - atomic_load_explicit(&s->sent, memory_order_acquire) >= SPREAD_SLOTS) {
		rte_spinlock_unlock(&s->rx);
		return false;	/* full: wait for the bursts in flight */
	}
	struct spread_slot *sl = &s->slot[issued % SPREAD_SLOTS];
	uint16_t n;
	if (k >= 0) {	/* its own queue: counted, and the exception TAP polled, as usual */
		n = worker_rx(w, (uint16_t)k, sl->pkts);
	} else {
		n = rte_eth_rx_burst(s->port, s->rxq, sl->pkts, DP_BURST);
		w->port[s->port].rx += n;
		for (uint16_t i = 0; i < n; i++)
			w->port[s->port].rx_bytes += rte_pktmbuf_pkt_len(sl->pkts[i]);
	}
	/* a burst short of full: the queue is drained, its own worker keeps up alone */
	bool backed_up = n == DP_BURST;
	if (s->backed_up != backed_up)
		atomic_store_explicit(&s->backed_up, backed_up, memory_order_relaxed);
	if (n == 0) {
		rte_spinlock_unlock(&s->rx);
		return false;
	}
	sl->ticket = issued;
	atomic_store_explicit(&s->issued, issued + 1, memory_order_relaxed);
	rte_spinlock_unlock(&s->rx);
	w->got_work = true;
	sl->port = s->port;
	sl->n = n;
	tap_rx(w, s->port, dp.ports[s->port].role, sl->pkts, n);
	run_slot(w, sl);
	tap_burst_done(w);
	return true;
}

bool spread_poll(struct worker *w, uint16_t k)
{
	struct spread_stream *s = spread.stream[w->ports[k]][w->rxq[k]];
	if (!s)
		return false;
	if (poll_stream(w, s, (int)k) && s->backed_up)
		spread.worker[w->id].full = true;
	return true;
}

void spread_serve(struct worker *w)
{
	for (unsigned i = 0; i < spread.nall; i++) {	/* its finished bursts whose turn came */
		uint64_t owed = spread.worker[w->id].owed[i];
		if (!owed)
			continue;
		struct spread_stream *s = spread.all[i];
		drain(w, s);
		if ((int32_t)(atomic_load_explicit(&s->sent, memory_order_relaxed) - (uint32_t)owed) >= 0)
			spread.worker[w->id].owed[i] = 0;
	}
	/* a worker whose own queues brought a full burst in its last loop has enough to do */
	bool full = spread.worker[w->id].full;
	spread.worker[w->id].full = false;
	if (full)
		return;
	for (unsigned i = 0; i < spread.nall; i++) {
		struct spread_stream *s = spread.all[i];
		if (s->tx_worker != w->id && atomic_load_explicit(&s->backed_up, memory_order_relaxed))
			poll_stream(w, s, -1);
	}
}

void spread_flush(void)
{
	if (!spread.on)
		return;
	for (unsigned i = 0; i < spread.nall; i++) {
		struct spread_stream *s = spread.all[i];
		uint32_t issued = atomic_load(&s->issued);
		for (uint32_t t = atomic_load(&s->sent); t != issued; t++)
			rte_pktmbuf_free_bulk(s->slot[t % SPREAD_SLOTS].pkts, s->slot[t % SPREAD_SLOTS].n);
		atomic_store(&s->sent, issued);
	}
}

void spread_wait(void)
{
	if (!spread.on || !dp.running)
		return;
	/* a worker descheduled with a burst in hand takes a while, but runs again: no time limit
	 * (the SA must not be freed under it); past a short spin the wait sleeps, as the RCU
	 * wait does (eal.c), so a worker sharing this thread's CPU can run */
	uint64_t spin_until = rte_get_timer_cycles() + rte_get_timer_hz() / 20000;	/* 50 us */
	for (unsigned i = 0; i < spread.nall; i++) {
		struct spread_stream *s = spread.all[i];
		uint32_t upto = atomic_load(&s->issued);
		while ((int32_t)(atomic_load(&s->sent) - upto) < 0 && !atomic_load(&dp.stop)) {
			if (rte_get_timer_cycles() < spin_until) {
				rte_pause();
				continue;
			}
			struct timespec step = { .tv_sec = 0, .tv_nsec = 50 * 1000 };
			nanosleep(&step, NULL);
		}
	}
}
