/* Queues: one RX and one TX queue per worker on every port whose PMD has them.
 *
 *   RX  a port with one queue per worker spreads its traffic by RSS over IP addresses and
 *       TCP/UDP ports (and the SPI where the NIC hashes ESP), so a flow always lands on the
 *       same queue and is handled by one worker, in order. A PMD with fewer queues (pcap,
 *       tap, af_packet without qpairs) gets what it has; each queue is polled by exactly one
 *       worker, single-queue ports spread round-robin over the workers.
 *   TX  every worker sends on its own queue, without a lock. Only when a port has fewer TX
 *       queues than there are workers do workers share one, under a per-queue spinlock.
 *
 * Queue counts are fixed when the port is added (the worker count is known from EAL then). */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include "internal.h"

#define DP_RSS_WANTED (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_ESP)

/* {port} => configured with min(workers, what the PMD has) RX and TX queues, not started */
int queues_port_setup(uint16_t port_id)
{
	struct dp_port *p = &dp.ports[port_id];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = { 0 };
	int rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0)
		return rc;
	uint16_t want = (uint16_t)(dp.nworkers ? dp.nworkers : 1);
	uint16_t nrxq = RTE_MIN(want, RTE_MAX(info.max_rx_queues, (uint16_t)1));
	uint16_t ntxq = RTE_MIN(want, RTE_MAX(info.max_tx_queues, (uint16_t)1));
	uint64_t rss = DP_RSS_WANTED & info.flow_type_rss_offloads;
	if (nrxq > 1 && rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss;	/* the PMD's default key */
	}
	uint16_t nrx = 1024, ntx = 1024;
	int sock = rte_eth_dev_socket_id(port_id);
	if ((rc = rte_eth_dev_configure(port_id, nrxq, ntxq, &conf)) < 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx)) < 0)
		return rc;
	for (uint16_t q = 0; q < nrxq; q++)
		if ((rc = rte_eth_rx_queue_setup(port_id, q, nrx, sock, NULL, dp.pool)) < 0)
			return rc;
	for (uint16_t q = 0; q < ntxq; q++) {
		if ((rc = rte_eth_tx_queue_setup(port_id, q, ntx, sock, NULL)) < 0)
			return rc;
		rte_spinlock_init(&p->txlock[q]);
	}
	p->nrxq = nrxq;
	p->ntxq = ntxq;
	p->tx_shared = ntxq < want;
	return 0;
}

/* Every RX queue of every port to exactly one worker; every worker a TX queue on every port. */
void queues_assign(void)
{
	unsigned n = dp.nworkers, next = 0;
	for (unsigned k = 0; k < n; k++)
		dp.workers[k].nports = 0;
	for (uint16_t port = 0; port < DP_MAX_PORTS; port++) {
		const struct dp_port *p = &dp.ports[port];
		if (!p->used)
			continue;
		for (uint16_t q = 0; q < p->nrxq; q++) {
			struct worker *w = &dp.workers[(next + q) % n];
			w->rxq[w->nports] = q;
			w->ports[w->nports++] = port;
		}
		next += p->nrxq;	/* single-queue ports go to different workers */
		for (unsigned k = 0; k < n; k++)
			dp.workers[k].txq[port] = (uint16_t)(k % p->ntxq);
	}
}
