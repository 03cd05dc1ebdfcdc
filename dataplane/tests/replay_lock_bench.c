/* What the shared replay window costs when workers share one inbound SA: the two locked loops
 * of esp_inbound.c (check a burst run, later update it) with 1 and with 2 threads on one
 * window, sequence numbers handed out in bursts of 32 as two RX queues of one SA would.
 * No crypto in between (`--work N` spins N ns per packet to stand in for it), so the numbers
 * are the window's cost alone, the worst case for contention. Measured in CPU time per thread.
 *   make replay_lock_bench && build/replay_lock_bench [--work NS] [--window W] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_spinlock.h>

#include "internal.h"

#define BURSTS 200000

static struct replay *win;
static rte_spinlock_t lock = RTE_SPINLOCK_INITIALIZER;
static _Atomic uint64_t next_seq;
static long work_ns;

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#define now_ns() clock_ns(CLOCK_MONOTONIC)

/* what one thread did: packets it accepted, and the CPU time it used (a shared machine
 * deschedules threads: wall time would measure the load, CPU time measures the work, and
 * spinning on the lock is CPU time) */
struct result { uint64_t accepted, cpu_ns; };

static void *worker(void *arg)
{
	struct result *res = arg;
	uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (int b = 0; b < BURSTS; b++) {
		uint64_t seq0 = atomic_fetch_add(&next_seq, DP_BURST), seqs[DP_BURST];
		int verdict[DP_BURST];
		for (int i = 0; i < DP_BURST; i++)
			seqs[i] = seq0 + 1 + (uint64_t)i;
		rte_spinlock_lock(&lock);
		for (int i = 0; i < DP_BURST; i++)
			verdict[i] = replay_check(win, seqs[i]);
		rte_spinlock_unlock(&lock);
		if (work_ns) {
			uint64_t until = now_ns() + (uint64_t)work_ns * DP_BURST;
			while (now_ns() < until)
				;
		}
		rte_spinlock_lock(&lock);
		for (int i = 0; i < DP_BURST; i++)
			if (!verdict[i] && !replay_update(win, seqs[i]))
				res->accepted++;
		rte_spinlock_unlock(&lock);
	}
	res->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return NULL;
}

/* {threads} => CPU ns per packet, averaged over the threads; *accepted_out the packets accepted */
static double run(int threads, uint64_t *accepted_out)
{
	pthread_t t[2];
	struct result res[2] = { { 0, 0 }, { 0, 0 } };
	atomic_store(&next_seq, 0);
	replay_init(win, win->window, 0);
	for (int k = 0; k < threads; k++)
		pthread_create(&t[k], NULL, worker, &res[k]);
	for (int k = 0; k < threads; k++)
		pthread_join(t[k], NULL);
	*accepted_out = res[0].accepted + res[1].accepted;
	return (double)(res[0].cpu_ns + res[1].cpu_ns) / ((double)threads * BURSTS * DP_BURST);
}

int main(int argc, char **argv)
{
	uint32_t window = 1024;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--work") == 0)
			work_ns = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--window") == 0)
			window = (uint32_t)atol(argv[i + 1]);
	}
	win = calloc(1, replay_size(window));
	win->window = window;
	for (int threads = 1; threads <= 2; threads++) {
		uint64_t accepted;
		double ns = run(threads, &accepted);
		/* with 2 threads, the CPU time over 1 thread's is spinning on the lock and the window's
		 * lines moving between cores; packets not accepted came later than the window allows
		 * (a thread descheduled between taking its numbers and checking them) */
		uint64_t offered = (uint64_t)threads * BURSTS * DP_BURST;
		printf("{\"threads\": %d, \"window\": %u, \"work_ns\": %ld, \"cpu_ns_per_packet\": %.2f, "
		       "\"offered\": %llu, \"too_late\": %llu}\n", threads, window, work_ns, ns,
		       (unsigned long long)offered, (unsigned long long)(offered - accepted));
	}
	free(win);
	return 0;
}
