/* Counters: per SA (in the SA's runtime half), per port and per drop reason (per worker,
 * summed on read). Plain 64-bit loads: each counter has a single writer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <jansson.h>
#include <rte_cycles.h>

#include "internal.h"
#include "sa_shared.h"

static void stats_sum_exc(struct exc_counters *out)
{
	memset(out, 0, DP_MAX_PORTS * sizeof(*out));
	for (unsigned k = 0; dp.workers && k < dp.nworkers; k++)
		for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
			out[p].to_kernel += dp.workers[k].exc[p].to_kernel;
			out[p].from_kernel += dp.workers[k].exc[p].from_kernel;
		}
}

void stats_sum_ports(struct port_counters *out)
{
	memset(out, 0, DP_MAX_PORTS * sizeof(*out));
	for (unsigned k = 0; k < dp.nworkers; k++)
		for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
			out[p].rx += dp.workers[k].port[p].rx;
			out[p].rx_bytes += dp.workers[k].port[p].rx_bytes;
			out[p].tx += dp.workers[k].port[p].tx;
			out[p].tx_bytes += dp.workers[k].port[p].tx_bytes;
		}
}

uint64_t esp_dp_rx_total(void)
{
	struct port_counters c[DP_MAX_PORTS];
	uint64_t sum = 0;
	if (!dp.workers)
		return 0;
	stats_sum_ports(c);
	for (unsigned p = 0; p < DP_MAX_PORTS; p++)
		sum += c[p].rx;
	return sum;
}

static void sa_stats_fill(const struct sa *sa, struct esp_dp_sa_stats *s)
{
	struct sa_runtime *rt = sa->rt;
	struct sa_counters sum;
	sa_counters_sum(sa, &sum);
	memset(s, 0, sizeof(*s));
	s->spi = sa->conf.spi;
	s->dir = sa->dir;
	s->dst = sa->conf.dst;
	s->stopped = sa_stopped(rt) != 0;
	s->packets = sum.packets;
	s->bytes = sum.bytes;
	s->last_used = sum.last_used;
	if (sa->dir == ESP_DP_DIR_IN) {
		rte_spinlock_lock(&rt->replay_lock);
		s->seq = rt->replay->top;
		rte_spinlock_unlock(&rt->replay_lock);
	} else {
		/* workers reserve past the end before they see it is exhausted: never say more */
		uint64_t seq = atomic_load(&rt->seq), max = sa->esn ? UINT64_MAX : UINT32_MAX;
		s->seq = seq > max ? max : seq;
	}
	s->replay_window = sa->conf.replay_window;
	memcpy(s->drops, sum.drops, sizeof(s->drops));
}

int esp_dp_sa_stats(struct esp_dp_sa_stats *out, uint32_t cap)
{
	dp_clear_error();
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	pthread_mutex_lock(&dp.lock);	/* SAs are freed only under the lock */
	const struct sad *t = atomic_load(&dp.sad);
	uint32_t n = 0;
	for (uint32_t k = 0; t && k <= t->mask && n < cap; k++)
		if (t->slot[k])
			sa_stats_fill(t->slot[k], &out[n++]);
	pthread_mutex_unlock(&dp.lock);
	return (int)n;
}

int esp_dp_sa_replay(uint32_t spi, const struct esp_dp_addr *dst, uint64_t *top, uint32_t *bitmap, uint32_t words)
{
	dp_clear_error();
	if (!dst || !top || (words && !bitmap))
		return dp_fail(EINVAL, "dst/top/bitmap: NULL");
	int rc = dp_fail(ENOENT, "no inbound SA with spi 0x%x", spi);
	pthread_mutex_lock(&dp.lock);	/* SAs are freed only under the lock */
	const struct sad *t = atomic_load(&dp.sad);
	for (uint32_t k = 0; t && k <= t->mask; k++) {
		struct sa *sa = t->slot[k];
		if (!sa || !sa_same_key(sa, spi, ESP_DP_DIR_IN, dst))
			continue;
		rte_spinlock_lock(&sa->rt->replay_lock);
		*top = sa->rt->replay->top;
		replay_export(sa->rt->replay, bitmap, words);
		rte_spinlock_unlock(&sa->rt->replay_lock);
		dp_clear_error();
		rc = (int)sa->rt->replay->window;
		break;
	}
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

int esp_dp_port_stats(struct esp_dp_port_stats *out, uint32_t cap)
{
	struct port_counters c[DP_MAX_PORTS];
	struct exc_counters e[DP_MAX_PORTS];
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	if (!dp.workers)
		return 0;
	stats_sum_ports(c);
	stats_sum_exc(e);
	uint32_t n = 0;
	for (uint16_t p = 0; p < DP_MAX_PORTS && n < cap; p++) {
		if (!dp.ports[p].used)
			continue;
		out[n] = (struct esp_dp_port_stats){ .port_id = p, .rx_packets = c[p].rx, .rx_bytes = c[p].rx_bytes,
						     .tx_packets = c[p].tx, .tx_bytes = c[p].tx_bytes,
						     .exc_to_kernel = e[p].to_kernel, .exc_from_kernel = e[p].from_kernel };
		n++;
	}
	return (int)n;
}

static void lcore_stats_fill(const struct worker *w, struct esp_dp_lcore_stats *s)
{
	*s = (struct esp_dp_lcore_stats){ .lcore = w->lcore, .worker = w->id, .tsc_hz = rte_get_tsc_hz() };
	/* busy first (acquire), then the totals the worker stored before them: busy <= total */
	s->busy_cycles = __atomic_load_n(&w->lc.busy_cycles, __ATOMIC_ACQUIRE);
	s->busy_polls = __atomic_load_n(&w->lc.busy_polls, __ATOMIC_ACQUIRE);
	s->total_cycles = __atomic_load_n(&w->lc.total_cycles, __ATOMIC_RELAXED);
	s->polls = __atomic_load_n(&w->lc.polls, __ATOMIC_RELAXED);
}

int esp_dp_lcore_stats(struct esp_dp_lcore_stats *out, uint32_t cap)
{
	dp_clear_error();
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	uint32_t n = 0;
	for (unsigned k = 0; dp.workers && k < dp.nworkers && n < cap; k++)
		lcore_stats_fill(&dp.workers[k], &out[n++]);
	return (int)n;
}

int esp_dp_drop_stats(uint64_t *out, uint32_t cap)
{
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	uint32_t n = cap < ESP_DP_DROP_MAX ? cap : ESP_DP_DROP_MAX;
	memset(out, 0, n * sizeof(*out));
	for (unsigned k = 0; dp.workers && k < dp.nworkers; k++)
		for (uint32_t r = 0; r < n; r++)
			out[r] += dp.workers[k].drops[r];
	return (int)n;
}

static json_t *drops_json(const uint64_t *drops)
{
	json_t *o = json_object();
	for (uint32_t r = 0; r < ESP_DP_DROP_MAX; r++)
		json_object_set_new(o, esp_dp_drop_name(r), json_integer((json_int_t)drops[r]));
	return o;
}

static void addr_str(const struct esp_dp_addr *a, char *buf, size_t len)
{
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, (socklen_t)len);
}

/* What each worker did: packets it received and sent, and packets it put through an SA's ESP
 * stage (its counter slot of every SA), so one can see how work spread over the cores. */
static json_t *workers_json(const struct sad *t)
{
	json_t *a = json_array();
	for (unsigned k = 0; dp.workers && k < dp.nworkers; k++) {
		const struct worker *w = &dp.workers[k];
		uint64_t rx = 0, tx = 0, esp = 0;
		for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
			rx += w->port[p].rx;
			tx += w->port[p].tx;
		}
		for (uint32_t i = 0; t && i <= t->mask; i++)
			if (t->slot[i])
				esp += t->slot[i]->rt->c[w->id].packets;
		json_t *o = json_object();
		json_object_set_new(o, "lcore", json_integer(w->lcore));
		json_object_set_new(o, "rx_packets", json_integer((json_int_t)rx));
		json_object_set_new(o, "tx_packets", json_integer((json_int_t)tx));
		json_object_set_new(o, "esp_packets", json_integer((json_int_t)esp));
		struct esp_dp_lcore_stats l;
		lcore_stats_fill(w, &l);
		json_object_set_new(o, "polls", json_integer((json_int_t)l.polls));
		json_object_set_new(o, "busy_polls", json_integer((json_int_t)l.busy_polls));
		json_object_set_new(o, "busy_cycles", json_integer((json_int_t)l.busy_cycles));
		json_object_set_new(o, "total_cycles", json_integer((json_int_t)l.total_cycles));
		json_array_append_new(a, o);
	}
	return a;
}

int esp_dp_stats_write_json(const char *path)
{
	dp_clear_error();
	json_t *root = json_object(), *ports = json_array(), *sas = json_array();
	struct port_counters c[DP_MAX_PORTS];
	struct exc_counters e[DP_MAX_PORTS];
	uint64_t drops[ESP_DP_DROP_MAX];
	if (dp.workers)
		stats_sum_ports(c);
	else
		memset(c, 0, sizeof(c));
	stats_sum_exc(e);
	for (uint16_t p = 0; p < DP_MAX_PORTS; p++) {
		if (!dp.ports[p].used)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(dp.ports[p].name));
		json_object_set_new(o, "port", json_integer(p));
		json_object_set_new(o, "rx_packets", json_integer((json_int_t)c[p].rx));
		json_object_set_new(o, "rx_bytes", json_integer((json_int_t)c[p].rx_bytes));
		json_object_set_new(o, "tx_packets", json_integer((json_int_t)c[p].tx));
		json_object_set_new(o, "tx_bytes", json_integer((json_int_t)c[p].tx_bytes));
		if (dp.ports[p].has_exc) {
			json_object_set_new(o, "exc_to_kernel", json_integer((json_int_t)e[p].to_kernel));
			json_object_set_new(o, "exc_from_kernel", json_integer((json_int_t)e[p].from_kernel));
		}
		json_array_append_new(ports, o);
	}
	pthread_mutex_lock(&dp.lock);
	const struct sad *t = atomic_load(&dp.sad);
	for (uint32_t k = 0; t && k <= t->mask; k++) {
		if (!t->slot[k])
			continue;
		struct esp_dp_sa_stats s;
		char spi[16], dst[INET6_ADDRSTRLEN];
		sa_stats_fill(t->slot[k], &s);
		snprintf(spi, sizeof(spi), "0x%x", s.spi);
		addr_str(&s.dst, dst, sizeof(dst));
		json_t *o = json_object();
		json_object_set_new(o, "spi", json_string(spi));
		json_object_set_new(o, "dir", json_string(s.dir == ESP_DP_DIR_IN ? "in" : "out"));
		json_object_set_new(o, "dst", json_string(dst));
		json_object_set_new(o, "packets", json_integer((json_int_t)s.packets));
		json_object_set_new(o, "bytes", json_integer((json_int_t)s.bytes));
		/* a JSON number loses precision past 2^53: the sequence goes as a decimal string */
		char seq[24];
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)s.seq);
		json_object_set_new(o, "seq", json_string(seq));
		json_object_set_new(o, "stopped", json_boolean(s.stopped));
		json_object_set_new(o, "drops", drops_json(s.drops));
		json_array_append_new(sas, o);
	}
	json_t *workers = workers_json(t);
	pthread_mutex_unlock(&dp.lock);
	esp_dp_drop_stats(drops, ESP_DP_DROP_MAX);
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "sas", sas);
	json_object_set_new(root, "workers", workers);
	json_object_set_new(root, "drops", drops_json(drops));
	int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	return rc ? dp_fail(EIO, "cannot write %s", path) : 0;
}
