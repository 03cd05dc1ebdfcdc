/* The worker loop: poll its ports, run each burst through its direction's stages, report
 * RCU quiescence once per loop (the only point where it holds no table pointer). */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "capture.h"
#include "spread.h"

static void drop_behind(struct worker *w, struct sa *sa, struct rte_mbuf **pkts, const uint8_t *reason,
			uint16_t from, uint16_t to)
{
	for (uint16_t i = from; i < to; i++)
		dp_drop(w, sa, pkts[i], reason[i]);
}

/* Runs of consecutive packets of one SA go through that SA's function together. */
static uint16_t run_sas(struct worker *w, const struct spd *spd_in, struct rte_mbuf **pkts,
			struct sa **sa_of, uint16_t n, struct rte_mbuf **out, uint16_t nout)
{
	uint8_t reason[DP_BURST];
	for (uint16_t i = 0; i < n;) {
		struct sa *sa = sa_of[i];
		uint16_t j = i + 1;
		while (j < n && sa_of[j] == sa)
			j++;
		if (!sa) {	/* bypass */
			for (; i < j; i++)
				out[nout++] = pkts[i];
			continue;
		}
		uint16_t cnt = j - i;
		uint16_t mss = sa->conf.mss_clamp;
		if (sa->dir == ESP_DP_DIR_OUT && mss)
			mss_clamp_burst(mss, pkts + i, cnt);
		tap_sa(w, sa, pkts + i, cnt);
		if (sa->dir == ESP_DP_DIR_OUT && mtu_run_may_exceed(sa, pkts + i, cnt)) {
			nout = mtu_outbound_run(w, sa, pkts + i, cnt, out, nout);	/* fragments, ICMP */
			i = j;
			continue;
		}
		uint16_t good = sa->process(sa, w, pkts + i, cnt, reason + i);
		drop_behind(w, sa, pkts + i, reason + i, good, cnt);
		if (sa->dir == ESP_DP_DIR_IN) {
			uint16_t ok = esp_inbound_policy_check(sa, spd_in, pkts + i, good, reason + i);
			drop_behind(w, sa, pkts + i, reason + i, ok, good);
			good = ok;
			if (mss)
				mss_clamp_burst(mss, pkts + i, good);
			capture_point(w, ESP_DP_CAP_AFTER_DECRYPT, ESP_DP_ANY_PORT, sa, pkts + i, good);
		}
		for (uint16_t k = 0; k < good; k++)
			out[nout++] = pkts[i + k];
		i = j;
	}
	return nout;
}

uint16_t process_burst(struct worker *w, uint16_t port, uint8_t role, struct rte_mbuf **pkts, uint16_t n,
		       struct rte_mbuf **out)
{
	const struct dp_port *p = &dp.ports[port];
	struct sad *sad = atomic_load_explicit(&dp.sad, memory_order_acquire);
	struct sa *sa_of[DP_BURST];
	uint16_t kept;
	const struct spd *spd_in = atomic_load_explicit(&dp.spd[ESP_DP_DIR_IN], memory_order_acquire);
	if (role == ESP_DP_ROLE_WAN) {
		kept = classify_wan(w, p, sad, pkts, n, sa_of);
	} else {
		const struct spd *spd_out = atomic_load_explicit(&dp.spd[ESP_DP_DIR_OUT], memory_order_acquire);
		kept = classify_lan(w, p, spd_out, sad, pkts, n, sa_of);
	}
	exc_flush(w, port);
	return run_sas(w, spd_in, pkts, sa_of, kept, out, 0);
}

static void handle_burst(struct worker *w, uint16_t port, uint8_t role, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *out[DP_BURST];
	uint16_t nout = process_burst(w, port, role, pkts, n, out);
	route_and_send(w, atomic_load_explicit(&dp.fib, memory_order_acquire), out, nout);
}

uint16_t worker_rx(struct worker *w, uint16_t k, struct rte_mbuf **pkts)
{
	uint16_t port = w->ports[k];
	uint16_t n = rte_eth_rx_burst(port, w->rxq[k], pkts, DP_BURST);
	/* the kernel's traffic is light: the worker of RX queue 0 polls the TAP (a read()
	 * syscall per poll, ~0.5 us) every loop while it has nothing else to do, and only every
	 * 16th loop while it is busy on any of its queues: a worker encrypting lan traffic finds
	 * its wan queue empty every loop, and a syscall per loop cost it 12-16 % at 64 B
	 * (bench/dataplane/exception-cost.ts). The kernel's frames then wait at most 16 loops. */
	if (w->rxq[k] == 0 && ((n == 0 && !w->was_busy) || (w->loops & 15) == 0))
		exc_poll(w, port);
	w->port[port].rx += n;
	w->got_work |= n != 0;
	for (uint16_t i = 0; i < n; i++)
		w->port[port].rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	return n;
}

/* One TSC read per loop: the cycles since the last loop ended are this loop's, busy when it
 * received or was handed packets (the busy ratio VPP and DPDK apps report). The totals are
 * stored before the busy counters (release), so a reader that loads the busy ones first
 * (acquire, stats.c) never sees more busy than total. */
static inline void loop_account(struct worker *w, uint64_t *last)
{
	uint64_t now = rte_rdtsc(), d = now - *last;
	*last = now;
	w->lc.polls++;
	w->lc.total_cycles += d;
	if (w->got_work) {
		__atomic_store_n(&w->lc.busy_polls, w->lc.busy_polls + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&w->lc.busy_cycles, w->lc.busy_cycles + d, __ATOMIC_RELEASE);
	}
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	rte_rcu_qsbr_thread_register(dp.rcu, w->rcu_id);
	rte_rcu_qsbr_thread_online(dp.rcu, w->rcu_id);
	uint64_t last = rte_rdtsc();
	while (!atomic_load_explicit(&dp.stop, memory_order_relaxed)) {
		w->was_busy = w->got_work;
		w->got_work = false;
		bool spreading = spread_on();
		if (spreading)
			spread_serve(w);
		for (uint16_t k = 0; k < w->nports; k++) {
			if (spreading && spread_poll(w, k))
				continue;
			uint16_t port = w->ports[k];
			uint16_t n = worker_rx(w, k, pkts);
			if (n == 0)
				continue;
			tap_rx(w, port, dp.ports[port].role, pkts, n);
			handle_burst(w, port, dp.ports[port].role, pkts, n);
			tap_burst_done(w);
		}
		route_retry_held(w, atomic_load_explicit(&dp.fib, memory_order_acquire));
		w->loops++;
		loop_account(w, &last);
		rte_rcu_qsbr_quiescent(dp.rcu, w->rcu_id);
		if (w->naps)
			idle_nap(w);
	}
	route_drop_held(w);
	rte_rcu_qsbr_thread_offline(dp.rcu, w->rcu_id);
	rte_rcu_qsbr_thread_unregister(dp.rcu, w->rcu_id);
	return 0;
}

/* One burst through the stages of a port role without polling a port: the fuzz target's way
 * in. Not part of the ABI. */
void dp_process_burst(uint8_t role, struct rte_mbuf **pkts, uint16_t n)
{
	static struct worker w = { .id = DP_MAX_WORKERS };	/* its own SA counter slot */
	/* port 0 of a process without ports: no exception TAP, so non-ESP is counted as non_esp */
	handle_burst(&w, 0, role, pkts, n > DP_BURST ? DP_BURST : n);
}
