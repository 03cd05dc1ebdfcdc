/* Idle workers on a shared CPU sleep. A worker on a CPU that another worker or the control
 * plane also runs on (a one-CPU guest: --lcores=0@0,1@0) is no dedicated poller: polling empty queues
 * there takes the CPU from everything else on it — charon, the agent, the kernel. In a UML
 * guest fifty tunnels came up in 17 s beside an idle polling worker and in 7.5 s once it
 * slept. Such a worker, after DP_NAP_AFTER_US without work, sleeps at the end of each loop
 * (after its RCU quiescent point, holding no table): DP_NAP_MIN_US first, doubling up to
 * DP_NAP_MAX_US while nothing comes — a fixed 100 us still cost a ping 0.45 s of process
 * start-up in the guest (each loop's TAP read() is a syscall), 1 ms left it at 0.23 s. A
 * packet after a quiet spell waits at most DP_NAP_MAX_US plus a wake-up; the rings hold it.
 * A worker with a CPU of its own polls without pause, as before. ESPLANE_DP_IDLE_NAP=1 or 0
 * decides instead. */
#define _GNU_SOURCE	/* cpu_set_t, for rte_lcore_cpuset() */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "internal.h"

#define DP_NAP_AFTER_US	1000
#define DP_NAP_MIN_US	50
#define DP_NAP_MAX_US	1000

/* {worker} => it shares a CPU with another worker, or the workers' CPUs leave none of the
 * calling (control) thread's CPUs free: then charon, the agent and the kernel run on the
 * workers' CPUs. The main lcore does not count: it only runs EAL's initialisation (eal.c).
 * A worker on an isolated CPU (isolcpus: not in the control thread's set) never naps. */
static bool shares_its_cpu(const struct worker *w)
{
	rte_cpuset_t mine = rte_lcore_cpuset(w->lcore), taken;
	CPU_ZERO(&taken);
	for (unsigned k = 0; k < dp.nworkers; k++) {
		rte_cpuset_t other = rte_lcore_cpuset(dp.workers[k].lcore);
		CPU_OR(&taken, &taken, &other);
		if (&dp.workers[k] == w)
			continue;
		CPU_AND(&other, &other, &mine);
		if (CPU_COUNT(&other))
			return true;
	}
	cpu_set_t ctl;
	if (sched_getaffinity(0, sizeof(ctl), &ctl) != 0)
		return false;
	CPU_AND(&taken, &taken, &ctl);
	return CPU_COUNT(&ctl) > 0 && CPU_EQUAL(&taken, &ctl);
}

void idle_setup(void)
{
	const char *env = getenv("ESPLANE_DP_IDLE_NAP");
	for (unsigned k = 0; k < dp.nworkers; k++) {
		struct worker *w = &dp.workers[k];
		w->naps = env && *env ? strcmp(env, "0") != 0 : shares_its_cpu(w);
		w->idle_since = rte_get_timer_cycles();
		w->nap_us = DP_NAP_MIN_US;
		if (w->naps)
			RTE_LOG(INFO, USER1, "esplane: worker on lcore %u shares its CPU: sleeps %u..%u us a loop when idle for %u us\n",
				w->lcore, DP_NAP_MIN_US, DP_NAP_MAX_US, DP_NAP_AFTER_US);
	}
}

void idle_nap(struct worker *w)
{
	uint64_t now = rte_get_timer_cycles();
	if (w->got_work || w->held_n) {
		w->idle_since = now;
		w->nap_us = DP_NAP_MIN_US;
		return;
	}
	if (now - w->idle_since < rte_get_timer_hz() / 1000000 * DP_NAP_AFTER_US)
		return;
	struct timespec nap = { .tv_sec = 0, .tv_nsec = (long)w->nap_us * 1000 };
	nanosleep(&nap, NULL);
	if (w->nap_us < DP_NAP_MAX_US)
		w->nap_us = w->nap_us * 2 > DP_NAP_MAX_US ? DP_NAP_MAX_US : w->nap_us * 2;
}
