/* esplane dataplane — the one public header.
 *
 * A small, declarative C ABI loaded by the agent through koffi and used by the runner
 * esplane-dp. Every call returns 0 or a negative errno and never aborts; after an error,
 * esp_dp_last_error() says why in words (naming the offending field). Each call is
 * documented as {args} => {result}.
 *
 * Threads: control calls may come from any one thread at a time (they serialise on a
 * mutex). Workers never block on them: tables are swapped under RCU (rte_rcu_qsbr).
 */
#ifndef ESPLANE_DP_H
#define ESPLANE_DP_H

#include <stddef.h>
#include <stdint.h>

#include "esplane_dp_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESPLANE_DP_ABI_VERSION 6

enum esp_dp_drop {
#define ESP_DP_DROP_ENUM(name, desc) ESP_DP_DROP_##name,
	ESP_DP_DROPS(ESP_DP_DROP_ENUM)
#undef ESP_DP_DROP_ENUM
	ESP_DP_DROP_MAX
};

enum esp_dp_dir { ESP_DP_DIR_IN = 0, ESP_DP_DIR_OUT = 1 };
enum esp_dp_action { ESP_DP_PROTECT = 0, ESP_DP_BYPASS = 1, ESP_DP_DISCARD = 2 };
enum esp_dp_role { ESP_DP_ROLE_WAN = 0, ESP_DP_ROLE_LAN = 1 };

#define ESP_DP_ALG_NAME_LEN 48
#define ESP_DP_KEY_MAX 64
#define ESP_DP_PROTO_ANY 0xffff

/* An address: family 4 or 6; IPv4 in the first 4 bytes of addr; network byte order. */
struct esp_dp_addr {
	uint8_t family;
	uint8_t prefix_len;	/* only where a prefix is meant (policies, routes) */
	uint8_t pad[2];
	uint8_t addr[16];
};
_Static_assert(sizeof(struct esp_dp_addr) == 20, "esp_dp_addr layout");

/* An SA, as in `ip xfrm state` (see DESIGN.md "Manual-keying configuration").
 * Algorithm names are XFRM's; keys are raw bytes (GCM/ChaCha keys end with the 4-byte salt). */
struct esp_dp_sa {
	uint32_t spi;			/* host byte order */
	uint8_t dir;			/* enum esp_dp_dir */
	uint8_t esn;			/* 64-bit sequence numbers */
	uint8_t encap;			/* 0 plain ESP, 1 espinudp (RFC 3948) */
	uint8_t pad0;
	struct esp_dp_addr src;		/* outer source */
	struct esp_dp_addr dst;		/* outer destination */
	uint16_t encap_sport;
	uint16_t encap_dport;
	uint32_t replay_window;		/* packets; 0 = off */
	uint32_t reqid;
	uint32_t icv_bits;		/* aead icvBits or auth truncBits */
	char aead[ESP_DP_ALG_NAME_LEN];	/* "" when enc+auth are used */
	char enc[ESP_DP_ALG_NAME_LEN];
	char auth[ESP_DP_ALG_NAME_LEN];
	uint32_t aead_key_len;
	uint32_t enc_key_len;
	uint32_t auth_key_len;
	uint16_t mss_clamp;		/* TCP SYNs crossing this SA get their MSS option lowered to
					 * at most this; 0 = off (ABI 4; was padding) */
	uint16_t pad1;
	uint8_t aead_key[ESP_DP_KEY_MAX];
	uint8_t enc_key[ESP_DP_KEY_MAX];
	uint8_t auth_key[ESP_DP_KEY_MAX];
	uint64_t seq;			/* out: last sequence number used; in: highest received */
	uint64_t hard_bytes;		/* 0 = unlimited */
	uint64_t hard_packets;
	uint64_t soft_bytes;
	uint64_t soft_packets;
};
_Static_assert(sizeof(struct esp_dp_sa) == 456, "esp_dp_sa layout");
_Static_assert(offsetof(struct esp_dp_sa, dst) == 28, "esp_dp_sa.dst offset");
_Static_assert(offsetof(struct esp_dp_sa, aead) == 64, "esp_dp_sa.aead offset");
_Static_assert(offsetof(struct esp_dp_sa, seq) == 416, "esp_dp_sa.seq offset");
_Static_assert(offsetof(struct esp_dp_sa, mss_clamp) == 220, "esp_dp_sa.mss_clamp offset");

/* A policy (SPD entry). Lower priority value wins, as in XFRM. */
struct esp_dp_policy {
	uint8_t dir;			/* enum esp_dp_dir */
	uint8_t action;			/* enum esp_dp_action */
	uint16_t proto;			/* IP protocol or ESP_DP_PROTO_ANY */
	struct esp_dp_addr src;		/* prefix */
	struct esp_dp_addr dst;		/* prefix */
	uint16_t sport_lo, sport_hi;	/* inclusive; 0..65535 = any; ICMP: type */
	uint16_t dport_lo, dport_hi;	/* ICMP: code */
	uint32_t spi;			/* protect: the SA used (out) or required (in); 0 = by reqid */
	uint32_t priority;
	uint32_t reqid;			/* protect, as an XFRM template: out uses the newest out SA of this
					 * reqid, in accepts any SA of it; 0 = by spi only */
};
_Static_assert(sizeof(struct esp_dp_policy) == 64, "esp_dp_policy layout");
_Static_assert(offsetof(struct esp_dp_policy, spi) == 52, "esp_dp_policy.spi offset");

struct esp_dp_port {
	uint16_t port_id;		/* ethdev port id */
	uint8_t role;			/* enum esp_dp_role */
	uint8_t naddr;
	struct esp_dp_addr addr[4];	/* own addresses with prefix */
	char name[32];
};
_Static_assert(sizeof(struct esp_dp_port) == 116, "esp_dp_port layout");

struct esp_dp_route {
	struct esp_dp_addr dst;		/* prefix */
	struct esp_dp_addr via;		/* family 0 = directly connected */
	uint16_t port_id;
	uint16_t pad;
};
_Static_assert(sizeof(struct esp_dp_route) == 44, "esp_dp_route layout");

struct esp_dp_neighbor {
	struct esp_dp_addr ip;
	uint8_t mac[6];
	uint16_t port_id;
};
_Static_assert(sizeof(struct esp_dp_neighbor) == 28, "esp_dp_neighbor layout");

/* Counters of one SA, read with esp_dp_sa_stats. */
struct esp_dp_sa_stats {
	uint32_t spi;
	uint8_t dir;
	uint8_t stopped;		/* 1 once the SA refuses traffic (seq exhausted, hard lifetime) */
	uint8_t pad[2];
	struct esp_dp_addr dst;
	uint64_t packets;
	uint64_t bytes;			/* inner bytes, as XFRM counts */
	uint64_t last_used;		/* unix seconds, 0 = never */
	uint64_t seq;			/* out: last seq sent; in: highest seq accepted */
	uint32_t replay_window;
	uint32_t pad1;
	uint64_t drops[ESP_DP_DROP_MAX];
};
_Static_assert(offsetof(struct esp_dp_sa_stats, packets) == 32, "esp_dp_sa_stats layout");

struct esp_dp_port_stats {
	uint16_t port_id;
	uint16_t pad[3];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t exc_to_kernel;		/* frames handed to the port's exception TAP */
	uint64_t exc_from_kernel;	/* frames the kernel wrote on the TAP, sent out of the port */
};
_Static_assert(sizeof(struct esp_dp_port_stats) == 56, "esp_dp_port_stats layout");

/* A next hop the dataplane dropped packets for because it has no MAC (esp_dp_unresolved). */
struct esp_dp_nexthop {
	struct esp_dp_addr ip;
	uint16_t port_id;
	uint16_t pad;
};
_Static_assert(sizeof(struct esp_dp_nexthop) == 24, "esp_dp_nexthop layout");

/* How one worker lcore spends its loop, read with esp_dp_lcore_stats. A poll is one pass over
 * every RX queue the worker owns; it is busy when it received (or, spreading, was handed) at
 * least one packet. Cycles are TSC cycles from loop to loop, so the busy ratio over an
 * interval is delta busy_cycles / delta total_cycles (time a descheduled worker lost counts
 * to the loop it was in). Cumulative from the first esp_dp_start; they stand still while
 * the workers are stopped (ABI 5). */
struct esp_dp_lcore_stats {
	uint32_t lcore;			/* EAL lcore id */
	uint16_t worker;		/* index among the workers */
	uint16_t pad;
	uint64_t polls;
	uint64_t busy_polls;
	uint64_t busy_cycles;
	uint64_t total_cycles;
	uint64_t tsc_hz;		/* TSC cycles per second */
};
_Static_assert(sizeof(struct esp_dp_lcore_stats) == 48, "esp_dp_lcore_stats layout");

/* {} => ESPLANE_DP_ABI_VERSION */
uint32_t esp_dp_abi_version(void);

/* {i} => the snake_case name of drop reason i, or NULL past the end */
const char *esp_dp_drop_name(uint32_t i);
/* {} => ESP_DP_DROP_MAX */
uint32_t esp_dp_drop_count(void);

/* {} => the message of the last failed call on this thread ("" if none) */
const char *esp_dp_last_error(void);

/* {argc, argv of EAL} => EAL started on a thread the library creates (argv copied, logs to
 * log_path or stderr when NULL), crypto devices probed. Once per process: -EALREADY after. */
int esp_dp_init(int argc, const char *const argv[], const char *log_path);

/* {port} => port configured and started, with one RX and one TX queue per worker lcore where
 * the PMD has them (RSS spreads flows over the RX queues), fewer where it has not. Before
 * esp_dp_start. */
int esp_dp_port_add(const struct esp_dp_port *port);

/* {port_id of an added port, ifname} => a TAP named ifname (net_tap) with the port's MAC, so the
 * kernel answers ARP/ND with the wire's MAC. Wan: everything that is not ESP goes to it; lan:
 * ARP, ND and packets to the port's own addresses. What the kernel writes on it goes out of the
 * port. The kernel side is left down and unaddressed (the caller configures it). Before
 * esp_dp_start; once per port. */
int esp_dp_port_exception(uint16_t port_id, const char *ifname);

/* {port_id of an added port, addr[naddr] (at most 4)} => the port's own addresses replaced,
 * also while running (a node's wan address changed): the wan's cleartext to them, and the
 * lan's, goes to the exception TAP; ICMP errors leave from them. Prefix lengths are kept but
 * not used. */
int esp_dp_port_set_addresses(uint16_t port_id, const struct esp_dp_addr *addr, uint32_t naddr);

/* {out[cap]} => number of next hops written: those packets were dropped for (no_neighbor)
 * since the last call, each once (a small bounded set; overflow is forgotten, the next packet
 * reports it again). The agent asks the kernel to resolve them on the port's exception TAP. */
int esp_dp_unresolved(struct esp_dp_nexthop *out, uint32_t cap);

/* {port_id, mtu} => the largest IP packet the port may send (576..9216; 1500 until set). On a
 * wan port it bounds the ESP packets: a larger inner packet is fragmented before encryption
 * (IPv4 without DF) or dropped as too_big with an ICMP "fragmentation needed" / ICMPv6
 * "packet too big" to its sender. Any time, also while running (the agent mirrors the kernel
 * link MTU). -ENODEV when the port was not added. */
int esp_dp_port_set_mtu(uint16_t port_id, uint32_t mtu);

/* {sa} => installed, or replaces the SA with the same (spi, dir, dst) keeping its counters
 * and sequence state. -EINVAL for invalid input (see esp_dp_last_error). */
int esp_dp_sa_put(const struct esp_dp_sa *sa);
/* {spi, dir, dst} => unlinked; after RCU quiescence its keys are zeroed and it is freed.
 * Deleting a missing SA is not an error. */
int esp_dp_sa_del(uint32_t spi, uint8_t dir, const struct esp_dp_addr *dst);

/* {dir, policies[n]} => the SPD of that direction replaced atomically */
int esp_dp_spd_replace(uint8_t dir, const struct esp_dp_policy *policies, uint32_t n);

/* {routes[n], neighbors[m]} => the route and neighbour tables replaced atomically */
int esp_dp_routes_replace(const struct esp_dp_route *routes, uint32_t n,
			  const struct esp_dp_neighbor *neighbors, uint32_t m);

/* {} => workers running on every EAL worker lcore (up to 8); each polls its RX queue of every
 * port, single-queue ports are split between them; each sends on its own TX queue */
int esp_dp_start(void);
/* {} => workers stopped and joined */
int esp_dp_stop(void);
/* {} => workers stopped, ports closed (pcap files flushed). EAL stays (once per process). */
int esp_dp_shutdown(void);

/* {out[cap]} => number of SAs written (or -errno); installed SAs in no particular order */
int esp_dp_sa_stats(struct esp_dp_sa_stats *out, uint32_t cap);
/* {spi, dst of an inbound SA, bitmap[words]} => the replay window's width in bits (or -errno);
 * *top = highest sequence number accepted, bit i of the bitmap (word i / 32, bit i % 32) set
 * when top - i was received, as XFRM's replay_esn bitmap reads. A snapshot: the worker may
 * move the window while it is copied. */
int esp_dp_sa_replay(uint32_t spi, const struct esp_dp_addr *dst, uint64_t *top, uint32_t *bitmap, uint32_t words);

/* {out[cap]} => number of ports written */
int esp_dp_port_stats(struct esp_dp_port_stats *out, uint32_t cap);
/* {out[cap]} => number of worker lcores written (0 before EAL is up); lock-free reads of
 * counters each worker writes once per loop */
int esp_dp_lcore_stats(struct esp_dp_lcore_stats *out, uint32_t cap);
/* {out[ESP_DP_DROP_MAX]} => dataplane-wide drops per reason */
int esp_dp_drop_stats(uint64_t *out, uint32_t cap);
/* {} => packets received on all ports so far (for --until-idle) */
uint64_t esp_dp_rx_total(void);

/* {path} => a JSON file with the port, SA and drop counters (DESIGN.md --stats-json) */
int esp_dp_stats_write_json(const char *path);

/* {path} => the manual-keying config file validated and applied (ports, SAs, policies,
 * routes, neighbours). esp_dp_config_check does only the validation and needs no EAL. */
int esp_dp_config_check(const char *path);
int esp_dp_config_apply(const char *path);


/* ---- capture and trace (esplane capture / esplane trace N) ----
 * Workers copy what is asked for into a single-producer/single-consumer ring of their own
 * (fixed-size slots, allocated when first armed); a full ring counts a drop and never blocks.
 * Disarmed, each point costs one predictable branch. The reads drain every worker's ring
 * into the caller's array; the workers never call out of the library. */
enum esp_dp_capture_point {
	ESP_DP_CAP_WAN_IN = 0,		/* as received on a wan port (Ethernet) */
	ESP_DP_CAP_AFTER_DECRYPT = 1,	/* inner packet of an inbound SA, policy-checked (IP) */
	ESP_DP_CAP_BEFORE_ENCRYPT = 2,	/* inner packet about to be encrypted by an outbound SA (IP) */
	ESP_DP_CAP_WAN_OUT = 3,		/* handed to a wan port for transmit, the kernel's (IKE) too (Ethernet) */
	ESP_DP_CAP_LAN_IN = 4,		/* as received on a lan port (Ethernet) */
	ESP_DP_CAP_LAN_OUT = 5,		/* handed to a lan port for transmit, the kernel's too (Ethernet) */
	ESP_DP_CAP_POINTS
};

#define ESP_DP_CAPTURE_SNAP_MAX 2048	/* bytes of a packet a capture record can hold */
#define ESP_DP_CAPTURE_RING 1024	/* capture records per worker ring */
#define ESP_DP_TRACE_RING 256		/* decision records per worker ring */
#define ESP_DP_ANY_PORT 0xffff

struct esp_dp_capture_conf {
	uint8_t point;			/* enum esp_dp_capture_point */
	uint8_t pad[3];
	uint32_t spi;			/* host order; 0 = any. wan points: the ESP header's SPI;
					 * decrypt/encrypt points: the SA's */
	uint16_t l4_port;		/* TCP/UDP source or destination port of the captured
					 * packet's first L4 header; ESP_DP_ANY_PORT = any */
	uint16_t snaplen;		/* 0 or > ESP_DP_CAPTURE_SNAP_MAX = ESP_DP_CAPTURE_SNAP_MAX */
	uint32_t count;			/* packets, then disarmed by itself; 0 = until stopped */
};
_Static_assert(sizeof(struct esp_dp_capture_conf) == 16, "esp_dp_capture_conf layout");

struct esp_dp_capture_rec {
	uint64_t ts_ns;			/* CLOCK_REALTIME of the burst */
	uint32_t orig_len;		/* the packet's length */
	uint16_t caplen;		/* bytes in data */
	uint8_t point;
	uint8_t l3;			/* 1: data starts at the IP header (no Ethernet header) */
	uint16_t port;			/* dataplane port received on / sent to; ESP_DP_ANY_PORT inside */
	uint16_t worker;
	uint32_t spi;			/* the SA's SPI at decrypt/encrypt points, else 0 */
	uint8_t data[ESP_DP_CAPTURE_SNAP_MAX];
};
_Static_assert(sizeof(struct esp_dp_capture_rec) == 24 + ESP_DP_CAPTURE_SNAP_MAX, "esp_dp_capture_rec layout");

struct esp_dp_capture_status {
	uint8_t armed;
	uint8_t point;
	uint16_t pad;
	uint32_t remaining;		/* packets still to capture when count was given */
	uint64_t captured;		/* records written into the rings since armed */
	uint64_t dropped;		/* matching packets not recorded: ring full (capture_dropped) */
	uint64_t trace_dropped;		/* decisions not recorded: trace ring full */
};
_Static_assert(sizeof(struct esp_dp_capture_status) == 32, "esp_dp_capture_status layout");

enum esp_dp_trace_class {
	ESP_DP_CLASS_MALFORMED = 0,	/* unreadable before classification */
	ESP_DP_CLASS_ESP_IN = 1,	/* ESP or UDP-encapsulated ESP on a wan port */
	ESP_DP_CLASS_EXCEPTION = 2,	/* not ESP on a wan port (IKE, ARP, ICMP...) */
	ESP_DP_CLASS_LAN = 3,		/* IP on a lan port, resolved against the outbound SPD */
};

/* One packet's path: where it came in, what it was taken for, the SA and policy that
 * decided it, and where it went (port_out) or why it was dropped (drop, a drop-table index). */
struct esp_dp_trace_rec {
	uint64_t ts_ns;
	uint16_t port_in;
	uint16_t port_out;		/* ESP_DP_ANY_PORT when not sent */
	uint8_t klass;			/* enum esp_dp_trace_class */
	uint8_t verdict;		/* 0 sent on port_out, 1 dropped (drop), 2 neither seen (held),
					 * 3 handed to the kernel through the port's exception TAP */
	uint16_t drop;
	uint32_t spi;			/* SA chosen; 0 none */
	uint32_t policy;		/* index + 1 in the SPD of policy_dir; 0 none */
	uint8_t policy_dir;
	uint8_t family;			/* of the received packet's (outer) IP header; 0 not IP */
	uint8_t proto;
	uint8_t worker;
	uint32_t len;			/* bytes received */
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport, dport;		/* TCP/UDP ports; 0 otherwise */
	uint32_t pad;
};
_Static_assert(sizeof(struct esp_dp_trace_rec) == 72, "esp_dp_trace_rec layout");

/* {conf} => capture armed at one point (rings allocated on first use and emptied);
 * -EBUSY while a capture is armed, -EINVAL for a bad point */
int esp_dp_capture_start(const struct esp_dp_capture_conf *conf);
/* {} => disarmed; records not yet read stay readable */
int esp_dp_capture_stop(void);
/* {out[cap]} => number of records drained from the workers' rings (oldest first per worker) */
int esp_dp_capture_read(struct esp_dp_capture_rec *out, uint32_t cap);
/* {st} => armed state and counters of the current (or last) capture and trace */
int esp_dp_capture_status(struct esp_dp_capture_status *st);
/* {n} => the decisions of the next n packets received are recorded (replaces a running trace,
 * discarding its unread records; n = 0 just ends it) */
int esp_dp_trace_start(uint32_t n);
/* {out[cap]} => number of decision records drained */
int esp_dp_trace_read(struct esp_dp_trace_rec *out, uint32_t cap);
/* {} => packets whose decisions are still to be recorded (0 when the trace is done) */
int esp_dp_trace_remaining(void);

#ifdef __cplusplus
}
#endif
#endif
