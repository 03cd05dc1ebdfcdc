/* Starting DPDK inside a library: EAL runs its init on a thread created here (signals
 * blocked, argv copied), so the caller's thread — Node's main thread — is never pinned.
 * Also ports, workers and the RCU variable they report to. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "internal.h"
#include "spread.h"

struct dp dp = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct eal_start {
	int argc;
	char **argv;
	const char *log_path;
	int rc;
	char err[256];
};

static int eal_setup(struct eal_start *s)
{
	if (s->log_path) {
		FILE *f = fopen(s->log_path, "a");
		if (!f)
			return dp_fail(errno, "cannot open log %s", s->log_path);
		setvbuf(f, NULL, _IOLBF, 0);
		rte_openlog_stream(f);
	}
	if (rte_eal_init(s->argc, s->argv) < 0)
		return dp_fail(rte_errno ? rte_errno : EINVAL, "EAL init failed: %s", rte_strerror(rte_errno));
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	dp.rcu = rte_zmalloc("espdp_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp.rcu || rte_rcu_qsbr_init(dp.rcu, RTE_MAX_LCORE) != 0)
		return dp_fail(ENOMEM, "cannot create RCU variable");
	unsigned lcore, n = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		n++;
	n = n > DP_MAX_WORKERS ? DP_MAX_WORKERS : n;
	dp.workers = rte_zmalloc("espdp_workers", (n ? n : 1) * sizeof(struct worker), RTE_CACHE_LINE_SIZE);
	if (!dp.workers)
		return dp_fail(ENOMEM, "cannot allocate workers");
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (dp.nworkers == n)
			break;
		dp.workers[dp.nworkers].lcore = lcore;
		dp.workers[dp.nworkers].id = (uint16_t)dp.nworkers;
		dp.workers[dp.nworkers].rcu_id = lcore;
		dp.workers[dp.nworkers].qp = (uint16_t)dp.nworkers;
		dp.nworkers++;
	}
	/* every worker adds an RX and a TX ring per port (queues.c) and a mempool cache */
	unsigned nmbufs = 8191 + 4096 * (dp.nworkers > 1 ? dp.nworkers - 1 : 0);
	dp.pool = rte_pktmbuf_pool_create("espdp_mbuf", nmbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!dp.pool)
		return dp_fail(ENOMEM, "cannot create mbuf pool: %s", rte_strerror(rte_errno));
	return crypto_init(dp.nworkers);
}

static void *eal_thread(void *arg)
{
	struct eal_start *s = arg;
	s->rc = eal_setup(s);
	if (s->rc)
		snprintf(s->err, sizeof(s->err), "%s", dp_error());
	return NULL;
}

/*
 * EAL probes every PCI device it may drive unless told otherwise, and would take the
 * node's own NIC off the network. Ports are always named: vdevs with --no-pci, or the
 * SR-IOV VFs of an explicit allow-list (-a/--allow BDF).
 */
static bool pci_probe_is_bounded(int argc, const char *const argv[])
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!a)
			continue;
		if (strcmp(a, "--no-pci") == 0 || strcmp(a, "-a") == 0 || strcmp(a, "--allow") == 0 ||
		    strncmp(a, "--allow=", 8) == 0 || (a[0] == '-' && a[1] == 'a' && a[2] != '\0'))
			return true;
	}
	return false;
}

int esp_dp_init(int argc, const char *const argv[], const char *log_path)
{
	dp_clear_error();
	if (argc < 0 || (argc && !argv))
		return dp_fail(EINVAL, "argv: NULL");
	if (!pci_probe_is_bounded(argc, argv))
		return dp_fail(EINVAL, "eal: pass --no-pci (vdev ports) or an explicit -a/--allow list of VFs; "
				       "esplane never lets EAL probe every PCI device");
	pthread_mutex_lock(&dp.lock);
	static bool tried;
	if (tried) {
		pthread_mutex_unlock(&dp.lock);
		return dp_fail(EALREADY, "EAL can start once per process");
	}
	tried = true;
	/* EAL keeps pointers into argv: the copy lives for the life of the process */
	struct eal_start s = { .argc = argc + 1, .log_path = log_path };
	s.argv = calloc((size_t)argc + 2, sizeof(char *));
	s.argv[0] = strdup("esplane-dp");
	for (int i = 0; i < argc; i++)
		s.argv[i + 1] = strdup(argv[i]);

	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t t;
	int rc = pthread_create(&t, NULL, eal_thread, &s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_mutex_unlock(&dp.lock);
		return dp_fail(rc, "cannot create the EAL thread");
	}
	pthread_join(t, NULL);
	if (s.rc == 0)
		dp.eal_up = true;
	pthread_mutex_unlock(&dp.lock);
	if (s.rc)
		return dp_fail(-s.rc, "%s", s.err);
	return 0;
}

/* Until every worker has passed a quiescent point since the call. A worker on its own core
 * passes one within microseconds, so the wait spins first. A worker sharing this thread's CPU
 * (a one-CPU guest, --lcores=0@0,1@0) runs only once this thread gives the CPU up: spinning on
 * (rte_rcu_qsbr_synchronize) lasted until the scheduler preempted the spinner, 20 ms per SA
 * put or SPD replace in a UML guest whatever the table size — 3 s of blocked agent for fifty
 * tunnels. Past the spin the wait sleeps in short steps, letting the worker run. */
static void rcu_wait_workers(void)
{
	uint64_t token = rte_rcu_qsbr_start(dp.rcu);
	uint64_t spin_until = rte_get_timer_cycles() + rte_get_timer_hz() / 20000;	/* 50 us */
	while (!rte_rcu_qsbr_check(dp.rcu, token, false)) {
		if (rte_get_timer_cycles() < spin_until) {
			rte_pause();
			continue;
		}
		struct timespec step = { .tv_sec = 0, .tv_nsec = 50 * 1000 };
		nanosleep(&step, NULL);
	}
}

void dp_rcu_wait(void)
{
	if (dp.rcu)
		rcu_wait_workers();
	spread_wait();	/* bursts in flight may name an SA until they are sent */
}

int esp_dp_port_add(const struct esp_dp_port *p)
{
	dp_clear_error();
	if (!p)
		return dp_fail(EINVAL, "port: NULL");
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	if (p->port_id >= DP_MAX_PORTS || !rte_eth_dev_is_valid_port(p->port_id))
		return dp_fail(ENODEV, "ports.port: no ethdev %u (EAL has %u ports)", p->port_id,
			       rte_eth_dev_count_avail());
	if (p->role > ESP_DP_ROLE_LAN)
		return dp_fail(EINVAL, "ports.role: must be wan or lan");
	pthread_mutex_lock(&dp.lock);
	int rc = 0;
	struct dp_port *dpp = &dp.ports[p->port_id];
	if (dp.running) {
		rc = dp_fail(EBUSY, "ports: add ports before starting workers");
		goto out;
	}
	if (dpp->used) {
		rc = dp_fail(EEXIST, "ports.port: %u added twice", p->port_id);
		goto out;
	}
	for (uint16_t k = 0; k < DP_MAX_PORTS; k++)
		if (dp.ports[k].has_exc && dp.ports[k].exc_port == p->port_id) {
			rc = dp_fail(EINVAL, "ports.port: ethdev %u is port %u's exception TAP", p->port_id, k);
			goto out;
		}
	if (p->naddr > RTE_DIM(dpp->addrs[0].a)) {
		rc = dp_fail(EINVAL, "ports.addresses: at most %zu", RTE_DIM(dpp->addrs[0].a));
		goto out;
	}
	if ((rc = queues_port_setup(p->port_id)) < 0 || (rc = rte_eth_dev_start(p->port_id)) < 0) {
		rc = dp_fail(-rc, "ports: cannot start ethdev %u: %s", p->port_id, strerror(-rc));
		goto out;
	}
	rte_eth_promiscuous_enable(p->port_id);
	rte_eth_macaddr_get(p->port_id, &dpp->mac);
	dpp->used = true;
	dpp->role = p->role;
	dpp->port_id = p->port_id;
	atomic_store(&dpp->addrs_cur, 0);
	dpp->addrs[0].n = p->naddr;
	memcpy(dpp->addrs[0].a, p->addr, sizeof(dpp->addrs[0].a));
	snprintf(dpp->name, sizeof(dpp->name), "%.*s", (int)sizeof(p->name), p->name);
	mtu_port_added(p);
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

int esp_dp_port_set_addresses(uint16_t port_id, const struct esp_dp_addr *addr, uint32_t naddr)
{
	dp_clear_error();
	if (naddr > RTE_DIM(dp.ports[0].addrs[0].a))
		return dp_fail(EINVAL, "ports.addresses: at most %zu", RTE_DIM(dp.ports[0].addrs[0].a));
	if (naddr > 0 && !addr)
		return dp_fail(EINVAL, "ports.addresses: no addresses given");
	for (uint32_t k = 0; k < naddr; k++)
		if (addr[k].family != 4 && addr[k].family != 6)
			return dp_fail(EINVAL, "ports.addresses[%u]: family must be 4 or 6", k);
	pthread_mutex_lock(&dp.lock);
	int rc = 0;
	struct dp_port *p = port_id < DP_MAX_PORTS ? &dp.ports[port_id] : NULL;
	if (!p || !p->used) {
		rc = dp_fail(ENODEV, "ports.port: %u not added", port_id);
	} else {
		uint8_t next = (uint8_t)(atomic_load(&p->addrs_cur) ^ 1);
		struct dp_addrs *set = &p->addrs[next];
		memset(set, 0, sizeof(*set));
		set->n = (uint8_t)naddr;
		if (naddr)
			memcpy(set->a, addr, naddr * sizeof(*addr));
		atomic_store_explicit(&p->addrs_cur, next, memory_order_release);
		dp_rcu_wait();	/* no burst still reads the set just left: the next change may fill it */
	}
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

int esp_dp_start(void)
{
	dp_clear_error();
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	if (dp.nworkers == 0)
		return dp_fail(ENODEV, "EAL has no worker lcore (pass e.g. -l 0,1)");
	pthread_mutex_lock(&dp.lock);
	if (dp.running) {
		pthread_mutex_unlock(&dp.lock);
		return 0;
	}
	queues_assign();
	if (spread_setup() != 0) {
		pthread_mutex_unlock(&dp.lock);
		return dp_fail(ENOMEM, "ESPLANE_DP_SPREAD: cannot allocate streams");
	}
	idle_setup();
	atomic_store(&dp.stop, false);
	for (unsigned k = 0; k < dp.nworkers; k++)
		rte_eal_remote_launch(worker_main, &dp.workers[k], dp.workers[k].lcore);
	dp.running = true;
	pthread_mutex_unlock(&dp.lock);
	return 0;
}

int esp_dp_stop(void)
{
	dp_clear_error();
	pthread_mutex_lock(&dp.lock);
	if (dp.running) {
		atomic_store(&dp.stop, true);
		for (unsigned k = 0; k < dp.nworkers; k++)
			rte_eal_wait_lcore(dp.workers[k].lcore);
		spread_flush();
		dp.running = false;
	}
	pthread_mutex_unlock(&dp.lock);
	return 0;
}

int esp_dp_shutdown(void)
{
	esp_dp_stop();
	pthread_mutex_lock(&dp.lock);
	for (uint16_t port = 0; port < DP_MAX_PORTS; port++) {
		if (!dp.ports[port].used)
			continue;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);	/* net_pcap flushes its dump file here */
		exc_close(&dp.ports[port]);
		dp.ports[port].used = false;
	}
	pthread_mutex_unlock(&dp.lock);
	return 0;
}
