/* One SA used by several workers at once: the few places they meet, kept lock-free on the
 * outbound path and to one spinlock per burst run on the inbound replay window.
 *
 *   sequence numbers  one atomic fetch-add per burst run reserves a block; numbers are unique,
 *                     increasing within a worker (and so within a flow: RSS keeps a flow on
 *                     one worker), interleaved between workers by at most their bursts in flight
 *   hard lifetimes    exact: with a byte/packet limit every packet reserves its share of the
 *                     budget atomically before it gets a sequence number; SAs without one
 *                     (the usual case: IKE rekeys on time) never touch the shared counters
 *   counters          per worker slot (struct sa_counters), summed on read
 */
#ifndef ESPLANE_DP_SA_SHARED_H
#define ESPLANE_DP_SA_SHARED_H

#include <rte_log.h>

#include "internal.h"

static inline struct sa_counters *sa_counters_of(struct sa *sa, const struct worker *w)
{
	return &sa->rt->c[w->id];
}

/* {sa, n} => the last sequence number before a block of n reserved for this caller */
static inline uint64_t sa_seq_reserve(struct sa_runtime *rt, uint16_t n)
{
	return atomic_fetch_add_explicit(&rt->seq, n, memory_order_relaxed);
}

/* Hand back the unused tail of a block, possible only while no one reserved after it: the
 * counter then still says the last number really sent (it is written back to the kernel).
 * Otherwise the numbers are skipped, which a receiver sees as loss, never as replay. */
static inline void sa_seq_unreserve(struct sa_runtime *rt, uint64_t seq0, uint16_t n, uint64_t used)
{
	uint64_t expect = seq0 + n;
	if (used < n)
		atomic_compare_exchange_strong(&rt->seq, &expect, seq0 + used);
}

static inline uint8_t sa_stopped(const struct sa_runtime *rt)
{
	return atomic_load_explicit(&rt->stopped, memory_order_relaxed);
}

/* {sa, reason} => the SA refuses traffic from now on (sticky until the SA is replaced) */
static inline void sa_stop(struct sa *sa, unsigned reason)
{
	uint8_t none = 0;
	if (atomic_compare_exchange_strong(&sa->rt->stopped, &none, (uint8_t)(reason + 1)))
		RTE_LOG(WARNING, USER1, "esplane: SA spi 0x%x %s stopped: %s\n", sa->conf.spi,
			sa->dir == ESP_DP_DIR_IN ? "in" : "out", esp_dp_drop_name(reason));
}

/* {volume-limited sa, inner bytes} => true when this packet fits the hard lifetime; its share
 * is then taken. Exact under concurrency: the sum of packets and bytes let through never
 * exceeds the limits. */
static inline bool sa_life_take(struct sa *sa, uint32_t bytes)
{
	struct sa_runtime *rt = sa->rt;
	if (atomic_fetch_add(&rt->life_packets, 1) >= sa->hard_packets)
		return false;
	if (atomic_fetch_add(&rt->life_bytes, bytes) + bytes > sa->hard_bytes)
		return false;
	return true;
}

/* A packet that took its share and was then dropped for another reason gives it back. */
static inline void sa_life_give_back(struct sa *sa, uint32_t bytes)
{
	atomic_fetch_sub(&sa->rt->life_packets, 1);
	atomic_fetch_sub(&sa->rt->life_bytes, bytes);
}

/* Inbound: the lifetime is checked before decryption and counted after, as the single-core
 * path always did (a burst in flight may pass the limit by its size, per worker). */
static inline bool sa_life_spent(const struct sa *sa)
{
	return sa->volume_limited && (atomic_load_explicit(&sa->rt->life_packets, memory_order_relaxed) >= sa->hard_packets ||
				      atomic_load_explicit(&sa->rt->life_bytes, memory_order_relaxed) >= sa->hard_bytes);
}

static inline void sa_life_count(struct sa *sa, uint64_t packets, uint64_t bytes)
{
	if (sa->volume_limited && packets) {
		atomic_fetch_add(&sa->rt->life_packets, packets);
		atomic_fetch_add(&sa->rt->life_bytes, bytes);
	}
}

/* {sa} => its counters summed over every worker slot */
void sa_counters_sum(const struct sa *sa, struct sa_counters *out);

#endif
