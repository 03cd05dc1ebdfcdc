/* The SA database: an open-addressing table of SA pointers, rebuilt on every change and
 * published with one atomic store. Workers read it without locks; the old table and any
 * SA it alone referenced are freed after RCU quiescence (two-phase removal). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "internal.h"

static inline uint32_t spi_hash(uint32_t spi)
{
	return spi * 2654435761u;
}

struct sa *sad_lookup_in(const struct sad *t, uint32_t spi_be, uint8_t family, const uint8_t *dst)
{
	if (!t)
		return NULL;
	uint32_t spi = rte_be_to_cpu_32(spi_be);
	for (uint32_t i = spi_hash(spi) & t->mask;; i = (i + 1) & t->mask) {
		struct sa *sa = t->slot[i];
		if (!sa)
			return NULL;
		if (sa->spi_be == spi_be && sa->dir == ESP_DP_DIR_IN && sa->outer_family == family &&
		    dp_addr_eq(sa->conf.dst.addr, dst, family))
			return sa;
	}
}

struct sa *sad_lookup_out(const struct sad *t, uint32_t spi)
{
	if (!t)
		return NULL;
	for (uint32_t i = spi_hash(spi) & t->mask;; i = (i + 1) & t->mask) {
		struct sa *sa = t->slot[i];
		if (!sa)
			return NULL;
		if (sa->conf.spi == spi && sa->dir == ESP_DP_DIR_OUT)
			return sa;
	}
}

struct sa *sad_lookup_out_reqid(const struct sad *t, uint32_t reqid)
{
	if (!t)
		return NULL;
	uint32_t lo = 0, hi = t->nreqid;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (t->by_reqid[mid].reqid < reqid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nreqid && t->by_reqid[lo].reqid == reqid ? t->by_reqid[lo].sa : NULL;
}

static int by_reqid_order(const void *a, const void *b)
{
	const struct sad_reqid *x = a, *y = b;
	if (x->reqid != y->reqid)
		return x->reqid < y->reqid ? -1 : 1;
	/* newest first, so the first of a run is the one kept */
	return x->sa->installed > y->sa->installed ? -1 : x->sa->installed < y->sa->installed;
}

/* The out SAs that carry a reqid, one per reqid (the newest), sorted for binary search. */
static int sad_index_reqids(struct sad *t)
{
	uint32_t n = 0;
	t->by_reqid = rte_zmalloc("espdp_sad_reqid", (t->count + 1) * sizeof(*t->by_reqid), 0);
	if (!t->by_reqid)
		return -ENOMEM;
	for (uint32_t k = 0; k <= t->mask; k++) {
		struct sa *sa = t->slot[k];
		if (sa && sa->dir == ESP_DP_DIR_OUT && sa->conf.reqid)
			t->by_reqid[n++] = (struct sad_reqid){ sa->conf.reqid, sa };
	}
	qsort(t->by_reqid, n, sizeof(*t->by_reqid), by_reqid_order);
	uint32_t kept = 0;
	for (uint32_t i = 0; i < n; i++)
		if (kept == 0 || t->by_reqid[kept - 1].reqid != t->by_reqid[i].reqid)
			t->by_reqid[kept++] = t->by_reqid[i];
	t->nreqid = kept;
	return 0;
}

static void sad_free(struct sad *t)
{
	if (t)
		rte_free(t->by_reqid);
	rte_free(t);
}

static void sad_insert(struct sad *t, struct sa *sa)
{
	uint32_t i = spi_hash(sa->conf.spi) & t->mask;
	while (t->slot[i])
		i = (i + 1) & t->mask;
	t->slot[i] = sa;
	t->count++;
}

/* {sas of old except `skip`, plus `add`} => a new table, or NULL when out of memory */
static struct sad *sad_build(const struct sad *old, const struct sa *skip, struct sa *add)
{
	uint32_t n = (old ? old->count : 0) + 1, size = 16;
	while (size < 2 * n)
		size *= 2;
	struct sad *t = rte_zmalloc("espdp_sad", sizeof(*t) + size * sizeof(t->slot[0]), RTE_CACHE_LINE_SIZE);
	if (!t)
		return NULL;
	t->mask = size - 1;
	for (uint32_t k = 0; old && k <= old->mask; k++)
		if (old->slot[k] && old->slot[k] != skip)
			sad_insert(t, old->slot[k]);
	if (add)
		sad_insert(t, add);
	if (sad_index_reqids(t) != 0) {
		rte_free(t);
		return NULL;
	}
	return t;
}

static struct sa *sad_find(const struct sad *t, uint32_t spi, uint8_t dir, const struct esp_dp_addr *dst)
{
	for (uint32_t k = 0; t && k <= t->mask; k++)
		if (t->slot[k] && sa_same_key(t->slot[k], spi, dir, dst))
			return t->slot[k];
	return NULL;
}

/* A replaced SA hands its counters, sequence and replay state to its successor, so a
 * re-put (an XFRM UPDSA) neither resets counters nor reuses sequence numbers. */
static void take_over_runtime(struct sa *sa, struct sa *old)
{
	struct sa_runtime *rt = old->rt;
	if (sa->dir == ESP_DP_DIR_IN && rt->replay->window != sa->rt->replay->window)
		return;
	if (sa->dir == ESP_DP_DIR_OUT) {
		uint64_t want = atomic_load(&sa->rt->seq);
		if (want > atomic_load(&rt->seq))
			atomic_store(&rt->seq, want);
	}
	atomic_store(&rt->stopped, 0);
	rte_free(sa->rt->replay);
	rte_free(sa->rt);
	sa->rt = rt;
	old->rt_shared = true;
}

int esp_dp_sa_put(const struct esp_dp_sa *conf)
{
	dp_clear_error();
	if (!conf)
		return dp_fail(EINVAL, "sa: NULL");
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	pthread_mutex_lock(&dp.lock);
	struct sa *sa;
	static uint64_t installs;
	int rc = sa_create(conf, &sa);
	if (rc) {
		pthread_mutex_unlock(&dp.lock);
		return rc;
	}
	sa->installed = ++installs;
	struct sad *old = atomic_load(&dp.sad);
	struct sa *prev = sad_find(old, conf->spi, conf->dir, &conf->dst);
	struct sad *t = sad_build(old, prev, sa);
	if (!t) {
		sa_free(sa);
		pthread_mutex_unlock(&dp.lock);
		return dp_fail(ENOMEM, "out of memory for SAD");
	}
	if (prev)
		take_over_runtime(sa, prev);
	atomic_store(&dp.sad, t);
	dp_rcu_wait();
	sa_free(prev);
	sad_free(old);
	pthread_mutex_unlock(&dp.lock);
	return 0;
}

int esp_dp_sa_del(uint32_t spi, uint8_t dir, const struct esp_dp_addr *dst)
{
	dp_clear_error();
	if (!dst)
		return dp_fail(EINVAL, "dst: NULL");
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	pthread_mutex_lock(&dp.lock);
	struct sad *old = atomic_load(&dp.sad);
	struct sa *prev = sad_find(old, spi, dir, dst);
	if (!prev) {
		pthread_mutex_unlock(&dp.lock);
		return 0;
	}
	struct sad *t = sad_build(old, prev, NULL);
	if (!t) {
		pthread_mutex_unlock(&dp.lock);
		return dp_fail(ENOMEM, "out of memory for SAD");
	}
	atomic_store(&dp.sad, t);
	dp_rcu_wait();
	sa_free(prev);
	sad_free(old);
	pthread_mutex_unlock(&dp.lock);
	return 0;
}
