/* The exception path: a TAP (net_tap) per port whose kernel side is the node's interface on
 * that wire. It carries the port's MAC, so the kernel answers ARP/ND and sends IKE, ICMP and
 * its own traffic with the wire's MAC. The TAP has one queue: the worker of the port's RX
 * queue 0 polls it and sends what the kernel wrote out of the port on its own TX queue; any
 * worker may punt to it, under a per-port lock (the kernel's share of traffic is small). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "capture.h"

#define EXC_DESC	256	/* the kernel's traffic is light; net_tap preallocates RX mbufs */
#define ICMP6_ND_FIRST	133	/* router solicitation .. redirect (RFC 4861) */
#define ICMP6_ND_LAST	137

static bool ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 15)	/* IFNAMSIZ - 1 */
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static int tap_start(uint16_t id)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t nrx = EXC_DESC, ntx = EXC_DESC;
	int sock = rte_eth_dev_socket_id(id);
	int rc;
	if ((rc = rte_eth_dev_configure(id, 1, 1, &conf)) < 0 ||
	    (rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrx, &ntx)) < 0 ||
	    (rc = rte_eth_rx_queue_setup(id, 0, nrx, sock, NULL, dp.pool)) < 0 ||
	    (rc = rte_eth_tx_queue_setup(id, 0, ntx, sock, NULL)) < 0 || (rc = rte_eth_dev_start(id)) < 0)
		return rc;
	return 0;
}

int esp_dp_port_exception(uint16_t port_id, const char *ifname)
{
	dp_clear_error();
	if (!ifname_ok(ifname))
		return dp_fail(EINVAL, "ports.exception: \"%s\" is not an interface name (1..15 of A-Z a-z 0-9 - _ .)",
			       ifname ? ifname : "");
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	if (port_id >= DP_MAX_PORTS)
		return dp_fail(ENODEV, "ports.exception: no port %u", port_id);
	pthread_mutex_lock(&dp.lock);
	struct dp_port *p = &dp.ports[port_id];
	int rc = 0;
	if (dp.running) {
		rc = dp_fail(EBUSY, "ports.exception: attach exception TAPs before starting workers");
		goto out;
	}
	if (!p->used || p->has_exc) {
		rc = dp_fail(p->used ? EEXIST : ENODEV, "ports.exception: port %u %s", port_id,
			     p->used ? "already has an exception TAP" : "not added");
		goto out;
	}
	char args[96];
	const uint8_t *a = p->mac.addr_bytes;
	snprintf(p->exc_vdev, sizeof(p->exc_vdev), "net_tap_espdp%u", port_id);
	snprintf(args, sizeof(args), "iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", ifname, a[0], a[1], a[2], a[3],
		 a[4], a[5]);
	if ((rc = rte_vdev_init(p->exc_vdev, args)) < 0) {
		rc = dp_fail(-rc, "ports.exception: cannot create TAP %s: %s (is /dev/net/tun there, "
				  "the name free?)", ifname, strerror(-rc));
		goto out;
	}
	uint16_t id;
	if ((rc = rte_eth_dev_get_port_by_name(p->exc_vdev, &id)) < 0 || (rc = tap_start(id)) < 0) {
		rc = dp_fail(-rc, "ports.exception: cannot start TAP %s: %s", ifname, strerror(-rc));
		rte_vdev_uninit(p->exc_vdev);
		goto out;
	}
	rte_spinlock_init(&p->exc_lock);
	p->exc_port = id;
	p->has_exc = true;
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

/* Called under dp.lock with workers stopped: removing the vdev removes the kernel interface. */
void exc_close(struct dp_port *p)
{
	if (!p->has_exc)
		return;
	rte_eth_dev_stop(p->exc_port);
	rte_eth_dev_close(p->exc_port);
	rte_vdev_uninit(p->exc_vdev);
	p->has_exc = false;
}

static bool own_address(const struct dp_port *p, uint8_t family, const uint8_t *ip)
{
	const struct dp_addrs *own = dp_port_addrs(p);
	for (unsigned k = 0; k < own->n; k++)
		if (own->a[k].family == family && dp_addr_eq(own->a[k].addr, ip, family))
			return true;
	return false;
}

/* {port, ethertype, L3 header and length} => the kernel's: to one of the port's addresses,
 * limited broadcast, link-scope multicast (224.0.0.0/24, ff0X::/16 with scope <= 2: ND, MLD),
 * or ND carried to any address */
static bool l3_for_kernel(const struct dp_port *p, uint16_t type, const uint8_t *l3, uint32_t len)
{
	if (type == RTE_ETHER_TYPE_IPV4 && len >= 20) {
		const uint8_t *dst = l3 + 16;
		return own_address(p, 4, dst) || (dst[0] == 255 && dst[1] == 255 && dst[2] == 255 && dst[3] == 255) ||
		       (dst[0] == 224 && dst[1] == 0 && dst[2] == 0);
	}
	if (type == RTE_ETHER_TYPE_IPV6 && len >= 40) {
		const uint8_t *dst = l3 + 24;
		if (own_address(p, 6, dst) || (dst[0] == 0xff && (dst[1] & 15) <= 2))
			return true;
		return l3[6] == IPPROTO_ICMPV6 && len >= 41 && l3[40] >= ICMP6_ND_FIRST && l3[40] <= ICMP6_ND_LAST;
	}
	return false;
}

bool exc_lan_for_kernel(const struct dp_port *p, const struct rte_mbuf *m)
{
	if (!p->has_exc)
		return false;
	uint32_t len = rte_pktmbuf_data_len(m);
	if (len < DP_ETH_LEN)
		return false;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	return type == RTE_ETHER_TYPE_ARP || l3_for_kernel(p, type, f + DP_ETH_LEN, len - DP_ETH_LEN);
}

bool exc_wan_ip_for_kernel(const struct dp_port *p, const struct rte_mbuf *m, uint8_t family)
{
	/* a port without configured addresses cannot tell: the kernel decides, as before */
	if (!p->has_exc || dp_port_addrs(p)->n == 0)
		return true;
	return l3_for_kernel(p, family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6,
			     rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
}

void exc_flush(struct worker *w, uint16_t port)
{
	uint16_t n = w->exc_n;
	if (n == 0)
		return;
	w->exc_n = 0;
	/* net_tap stops a burst at the first frame the kernel refuses (write() fails): drop that
	 * one and go on with the rest, at most n rounds */
	struct dp_port *p = &dp.ports[port];
	tap_punt(w, w->exc_q, n);
	rte_spinlock_lock(&p->exc_lock);
	for (uint16_t off = 0; off < n;) {
		uint16_t sent = rte_eth_tx_burst(p->exc_port, 0, w->exc_q + off, n - off);
		w->exc[port].to_kernel += sent;
		off += sent;
		if (off < n)
			dp_drop(w, NULL, w->exc_q[off++], ESP_DP_DROP_tx_full);
	}
	rte_spinlock_unlock(&p->exc_lock);
}

void exc_poll(struct worker *w, uint16_t port)
{
	struct rte_mbuf *pkts[DP_BURST];
	const struct dp_port *p = &dp.ports[port];
	if (!p->has_exc)
		return;
	uint16_t n = rte_eth_rx_burst(p->exc_port, 0, pkts, DP_BURST);
	if (n == 0)
		return;
	uint64_t bytes = 0;
	for (uint16_t k = 0; k < n; k++)
		bytes += rte_pktmbuf_pkt_len(pkts[k]);
	tap_tx(w, port, pkts, n);	/* the kernel's frames are on the wire too (wan-out, lan-out) */
	uint16_t sent = port_tx_burst(w, port, pkts, n);
	for (uint16_t k = sent; k < n; k++) {
		bytes -= rte_pktmbuf_pkt_len(pkts[k]);
		dp_drop(w, NULL, pkts[k], ESP_DP_DROP_tx_full);
	}
	w->exc[port].from_kernel += n;
	w->port[port].tx += sent;
	w->port[port].tx_bytes += bytes;
}
