/* esplane dataplane — what the source files share. Not part of the ABI. */
#ifndef ESPLANE_DP_INTERNAL_H
#define ESPLANE_DP_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>

#include <rte_common.h>
#include <rte_crypto.h>
#include <rte_crypto_sym.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "esplane_dp.h"

#define DP_MAX_PORTS	8
#define DP_MAX_WORKERS	8
#define DP_BURST	32
/* Packets whose next hop has no MAC yet wait this long at most, DP_HOLD per worker, while the
 * kernel resolves it over the exception TAP and the agent mirrors the answer in (25-50 ms
 * measured): the first packets of a flow to a fresh neighbour arrive instead of being lost. */
#define DP_HOLD		64
#define DP_HOLD_MS	500
#define DP_ETH_LEN	14
#define DP_REPLAY_MAX	32768	/* largest accepted replay window, packets */

/* ---- errors: a thread-local message for esp_dp_last_error() ---- */
int dp_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dp_clear_error(void);
const char *dp_error(void);

/* ---- algorithms.c: XFRM names as data ---- */
enum alg_kind { ALG_AEAD, ALG_CIPHER, ALG_AUTH };
struct alg {
	const char *name;	/* as XFRM names it */
	enum alg_kind kind;
	int dpdk;		/* rte_crypto_{aead,cipher,auth}_algorithm */
	uint8_t key_len[2];	/* accepted key lengths in bytes, salt included; 0 = unused */
	uint8_t salt_len;
	uint8_t iv_len;		/* explicit IV on the wire */
	uint8_t block;		/* the ESP payload is padded to a multiple of this */
	uint16_t icv_bits;	/* the only ICV/truncation length accepted */
};
const struct alg *alg_find(const char *name, enum alg_kind kind);

/* ---- crypto.c ---- */
/* Where lookaside ops carry their IV: right after the op and its symmetric part. */
#define DP_CRYPTO_IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

/* A crypto session and how to drive it, decided when the SA is installed. */
struct crypto_sess {
	void *sess;
	uint8_t dev;
	bool lookaside;		/* enqueue/dequeue instead of CPU crypto */
	bool aead;
	uint8_t iv_len;
	union rte_crypto_sym_ofs ofs;	/* chains: auth/cipher head and tail inside the vector */
};
int crypto_init(unsigned nworkers);
/* {xform, cs with aead/iv_len/ofs set} => cs->sess on the first device that takes it, or -errno */
int crypto_session_create(struct rte_crypto_sym_xform *xform, struct crypto_sess *cs);
void crypto_session_free(struct crypto_sess *cs);
/* {session, vectors, the mbuf of each, queue pair} => status[] per op (0 ok, EBADMSG bad ICV) */
void crypto_process(const struct crypto_sess *cs, struct rte_crypto_sym_vec *vec, struct rte_mbuf **mbufs,
		    uint16_t qp);

/* ---- replay.c: RFC 6479-style sliding window over 64-bit sequence numbers ---- */
struct replay {
	uint64_t top;		/* highest sequence number accepted */
	uint32_t window;	/* packets; 0 = no replay check */
	uint32_t word_mask;	/* number of 64-bit words - 1 (a power of two - 1) */
	uint64_t bits[];	/* bit (seq % nbits) set = seq seen */
};
size_t replay_size(uint32_t window);
void replay_init(struct replay *r, uint32_t window, uint64_t top);
/* {r, seq} => 0 when acceptable, else ESP_DP_DROP_replay or _replay_too_old; no change */
int replay_check(const struct replay *r, uint64_t seq);
/* {r, seq} => as replay_check, and when 0 the seq is recorded (window slides) */
int replay_update(struct replay *r, uint64_t seq);
/* {r, out[words]} => bit i of out set when top - i was seen, for i < min(window, 32 * words) */
void replay_export(const struct replay *r, uint32_t *out, uint32_t words);
/* {r, low 32 bits} => the full ESN the sender most likely used (RFC 4303 A2.2) */
uint64_t replay_infer_esn(const struct replay *r, uint32_t seq_low);

/* ---- sa.c: one SA, decided once at install ---- */
struct worker;
struct sa;
/* A batch stage: processes pkts[0..n); returns the number good, which it leaves in front in
 * order; bad packets are moved behind with their drop reason in reason[] at the same index. */
typedef uint16_t (*sa_process_fn)(struct sa *sa, struct worker *w, struct rte_mbuf **pkts,
				  uint16_t n, uint8_t *reason);

/* What one worker counts for one SA, on cache lines no other worker writes; summed on read
 * (stats.c). Slot DP_MAX_WORKERS belongs to dp_process_burst's caller (the fuzzer). */
struct sa_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t last_used;
	uint64_t drops[ESP_DP_DROP_MAX];
} __rte_cache_aligned;
#define DP_COUNTER_SLOTS (DP_MAX_WORKERS + 1)

/* The half of an SA that changes per packet; kept across a replace of the same SA. Several
 * workers may use one SA at once (sa_shared.c): the first line is shared and written at most
 * once per burst run (or per packet for volume-limited SAs); the counters are per worker. */
struct sa_runtime {
	/* written by every worker using the SA, once per burst run */
	_Atomic uint64_t seq;		/* out: last sequence number reserved */
	_Atomic uint64_t life_packets;	/* only kept when the SA has a hard packet/byte lifetime */
	_Atomic uint64_t life_bytes;
	rte_spinlock_t replay_lock;	/* in: replay check+update of a burst run, and readers */
	/* read per packet, written once: a line of its own, so the per-burst writes above do
	 * not make every packet's stopped check miss */
	_Atomic uint8_t stopped __rte_cache_aligned;	/* out: drop reason + 1 once it refuses traffic */
	struct replay *replay;		/* inbound only */
	struct sa_counters c[DP_COUNTER_SLOTS];
};

struct sa {
	/* hot: read per packet */
	sa_process_fn process;
	struct sa_runtime *rt;
	struct crypto_sess cs;
	uint32_t spi_be;
	uint8_t dir, esn, aead, outer_family;
	uint8_t iv_len, icv_len, block, aad_len;
	uint8_t hdr_len;	/* outer IP (+UDP) + ESP header + IV, the bytes put in front */
	uint8_t udp;		/* 1 when UDP-encapsulated */
	uint8_t salt[4];
	uint8_t hdr[64];	/* template: outer IP (+UDP) + SPI; lengths/seq filled per packet */
	uint32_t hdr_csum;	/* IPv4: one's complement sum of the template, length and id as 0 */
	uint64_t hard_bytes, hard_packets;
	bool volume_limited;	/* a hard byte or packet lifetime: counted in the shared line */
	/* cold */
	struct esp_dp_sa conf;	/* keys zeroed right after the crypto session is made */
	bool rt_shared;		/* rt was taken over by the SA that replaced this one */
	uint64_t installed;	/* install order: the newest out SA of a reqid wins */
};
/* {conf, err} => 0 if the SA is well-formed; needs no EAL (used by config validation) */
int sa_validate(const struct esp_dp_sa *conf);
int sa_create(const struct esp_dp_sa *conf, struct sa **out);
/* Zero keys, free session and memory. Only after RCU quiescence. */
void sa_free(struct sa *sa);
bool sa_same_key(const struct sa *sa, uint32_t spi, uint8_t dir, const struct esp_dp_addr *dst);

/* ---- sad.c: SA database, copy-on-write, swapped under RCU ---- */
struct sad {
	uint32_t mask;
	uint32_t count;
	uint32_t nreqid;
	struct sad_reqid { uint32_t reqid; struct sa *sa; } *by_reqid;	/* out SAs, sorted; newest per reqid */
	struct sa *slot[];
};
struct sa *sad_lookup_in(const struct sad *t, uint32_t spi_be, uint8_t family, const uint8_t *dst);
struct sa *sad_lookup_out(const struct sad *t, uint32_t spi);
struct sa *sad_lookup_out_reqid(const struct sad *t, uint32_t reqid);

/* ---- spd.c: policies on rte_acl, or a scan when a family has few ---- */
/* Up to this many policies of a family are matched by a scan in priority order instead of
 * rte_acl: a gateway usually has a handful, and rte_acl's classify of a burst costs more per
 * packet (11 ns at 64 B, 9 % of the encrypt path) than comparing a few masked words. */
#define DP_SMALL_SPD	8
/* One policy as the scan matches it: address words and masks as the packet holds them
 * (network order), ports in host order, proto masked (0 mask = any). */
struct spd_rule {
	uint32_t src[4], src_mask[4], dst[4], dst_mask[4];
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t proto, proto_mask;
	uint32_t res;		/* the policy's index + 1 */
};
struct spd {
	struct rte_acl_ctx *acl[2];	/* [0] IPv4, [1] IPv6; NULL when no rules or scanned */
	uint32_t count;
	uint8_t nsmall[2];		/* > 0: this family is scanned in small[] (strongest first) */
	struct spd_rule small[2][DP_SMALL_SPD];
	struct esp_dp_policy pol[];
};
struct acl_key4 { uint8_t proto, pad[3]; uint8_t src[4], dst[4]; uint16_t sport, dport; };
struct acl_key6 { uint8_t proto, pad[3]; uint8_t src[16], dst[16]; uint16_t sport, dport; };
union acl_key { struct acl_key4 v4; struct acl_key6 v6; };
/* {L3 packet, key} => 4 or 6 after filling key from the packet, 0 if unreadable */
int spd_key(const struct rte_mbuf *m, union acl_key *key);
/* {spd, keys, families} => res[i] = index+1 of the matching policy, 0 = none */
void spd_classify(const struct spd *spd, union acl_key *keys, const uint8_t *family,
		  uint16_t n, uint32_t *res);

/* ---- route.c: routes and neighbours, swapped under RCU ---- */
/* The route half: LPM tables are big (rte_lpm's tbl24 alone is 64 MiB), so a snapshot whose
 * routes did not change shares its predecessor's table and only the neighbour half is new. */
/* Up to this many routes are searched in order of prefix length instead of through rte_lpm,
 * whose IPv4 table alone is 64 MiB to allocate and touch: a gateway usually has a handful of
 * routes, and an agent restart should not wait for that memory (seconds in a small VM). */
#define DP_SMALL_ROUTES	32
struct fib_table {
	struct rte_lpm *lpm4;		/* NULL for a small table */
	struct rte_lpm6 *lpm6;
	uint32_t *by_len;		/* small table: route indexes, longest prefix first */
	uint32_t nroutes;
	int32_t default_route[2];	/* /0 routes (LPM takes depths >= 1): [v4], [v6]; -1 none */
	struct esp_dp_route *routes;
};
struct fib_nexthop { uint8_t mac[6]; bool resolved; };	/* a gateway route's MAC, per route */
struct fib {
	struct fib_table *table;
	uint32_t nneigh;
	struct esp_dp_neighbor *neigh;
	struct fib_nexthop *nh;
};

/* ---- ports and workers ---- */
struct port_counters { uint64_t rx, rx_bytes, tx, tx_bytes; };
struct exc_counters { uint64_t to_kernel, from_kernel; };
/* How a worker spends its loop (esp_dp_lcore_stats): written only by the worker, once per
 * loop, read by control threads without a lock (aligned 64-bit stores and loads do not tear). */
struct lcore_counters {
	uint64_t polls;		/* loops: every RX queue of the worker polled once */
	uint64_t busy_polls;	/* loops that received or were handed at least one packet */
	uint64_t busy_cycles;	/* TSC cycles of those loops */
	uint64_t total_cycles;	/* TSC cycles of all loops since the worker started */
} __rte_cache_aligned;

struct worker {
	unsigned lcore;
	uint16_t id;		/* index in dp.workers; the SA counter slot it writes */
	unsigned rcu_id;
	uint16_t qp;		/* this worker's queue pair on lookaside crypto devices */
	uint16_t nports;
	uint16_t ports[DP_MAX_PORTS];	/* polled: RX queue rxq[k] of port ports[k] (queues.c) */
	uint16_t rxq[DP_MAX_PORTS];
	uint16_t txq[DP_MAX_PORTS];	/* by port id: the TX queue this worker sends on */
	uint64_t drops[ESP_DP_DROP_MAX];
	struct port_counters port[DP_MAX_PORTS];
	struct exc_counters exc[DP_MAX_PORTS];	/* by the port the TAP belongs to */
	uint16_t exc_n;				/* frames waiting in exc_q for the TAP */
	struct rte_mbuf *exc_q[DP_BURST];
	uint32_t loops;
	bool got_work;		/* this loop received or was handed packets (worker.c, spread.c) */
	bool was_busy;		/* the loop before did: the exception TAP is polled less often */
	struct lcore_counters lc;	/* a line of its own: the control thread reads it */
	/* route.c: packets waiting briefly for their next hop's MAC, oldest first */
	uint16_t held_n;
	struct rte_mbuf *held[DP_HOLD];
	uint64_t held_tsc[DP_HOLD];
	/* crypto scratch for one batch */
	struct rte_crypto_vec vec[DP_BURST];
	struct rte_crypto_sgl sgl[DP_BURST];
	struct rte_crypto_va_iova_ptr iv[DP_BURST], aad[DP_BURST], digest[DP_BURST];
	int32_t status[DP_BURST];
	uint8_t ivbuf[DP_BURST][16];
	uint8_t aadbuf[DP_BURST][16];
	uint8_t digbuf[DP_BURST][32];
	/* random bytes for CBC IVs, refilled from getrandom() */
	uint8_t rnd[4096];
	uint32_t rnd_pos;
	/* capture.c / trace.c: this worker's rings (NULL until first armed); trace_burst is set
	 * while the burst in hand has packets being traced */
	struct dp_tap *tap;
	bool trace_burst;
	/* spread.c: set while this worker runs a burst of a spread stream; the inbound replay
	 * update is then left to the burst's turn in the stream (esp_inbound.c) */
	struct spread_defer *defer;
	/* idle.c: this worker shares its CPU with another EAL thread, so sleeps when idle; the
	 * TSC at its last loop with work; the next sleep, doubling while idle */
	bool naps;
	uint32_t nap_us;
	uint64_t idle_since;
} __rte_cache_aligned;

/* A port's own addresses: lan packets to them and the wan's cleartext to them go to the TAP,
 * ICMP errors leave from them. */
struct dp_addrs {
	uint8_t n;
	struct esp_dp_addr a[4];
};

struct dp_port {
	bool used;
	bool has_exc;		/* an exception TAP is attached */
	uint8_t role;
	/* addrs[addrs_cur] is the current set. A change (esp_dp_port_set_addresses) fills the
	 * other one, switches, and waits out the workers' bursts, so the set it left is unread
	 * before the next change overwrites it. Read through dp_port_addrs(). */
	_Atomic uint8_t addrs_cur;
	uint16_t port_id;
	uint16_t exc_port;	/* ethdev id of the exception TAP when has_exc */
	struct rte_ether_addr mac;
	struct dp_addrs addrs[2];
	char name[32];
	uint16_t nrxq, ntxq;	/* queues.c: min(workers, what the PMD has) */
	bool tx_shared;		/* fewer TX queues than workers: sends take txlock[queue] */
	rte_spinlock_t txlock[DP_MAX_WORKERS];
	char exc_vdev[32];	/* the TAP's vdev name, to remove it on shutdown */
	rte_spinlock_t exc_lock;	/* workers of several RX queues may punt to the one TAP queue */
};

struct dp {
	pthread_mutex_t lock;	/* serialises control calls */
	bool eal_up, running;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *rcu;
	struct dp_port ports[DP_MAX_PORTS];
	struct sad *_Atomic sad;
	struct spd *_Atomic spd[2];	/* [ESP_DP_DIR_IN], [ESP_DP_DIR_OUT] */
	struct fib *_Atomic fib;
	unsigned nworkers;
	struct worker *workers;
	atomic_bool stop;
	uint32_t gen;		/* unique names for DPDK objects */
};

/* {port} => its current own addresses; valid until the end of the caller's burst */
static inline const struct dp_addrs *dp_port_addrs(const struct dp_port *p)
{
	return &p->addrs[atomic_load_explicit(&p->addrs_cur, memory_order_acquire) & 1];
}
extern struct dp dp;

/* Wait until no worker can still hold a pointer read before now. */
void dp_rcu_wait(void);

/* ---- stage functions ---- */
/* classify.c: wan ESP with an inbound SA goes to sa_of[]; what is not ESP to the port's TAP */
uint16_t classify_wan(struct worker *w, const struct dp_port *port, const struct sad *sad, struct rte_mbuf **pkts, uint16_t n,
		      struct sa **sa_of);
/* classify.c: lan packets for the kernel to the port's TAP, the rest against the outbound SPD */
uint16_t classify_lan(struct worker *w, const struct dp_port *port, const struct spd *spd, const struct sad *sad,
		      struct rte_mbuf **pkts, uint16_t n, struct sa **sa_of);
uint16_t esp_inbound_policy_check(struct sa *sa, const struct spd *spd, struct rte_mbuf **pkts,
				  uint16_t n, uint8_t *reason);
sa_process_fn esp_inbound_fn(const struct sa *sa);
sa_process_fn esp_outbound_fn(const struct sa *sa);
void route_and_send(struct worker *w, const struct fib *fib, struct rte_mbuf **pkts, uint16_t n);
/* {worker, fib} => held packets whose next hop is now known are sent, those held longer than
 * DP_HOLD_MS dropped as no_neighbor; the rest wait on. Cheap when nothing is held. */
void route_retry_held(struct worker *w, const struct fib *fib);
/* {worker} => every held packet dropped (the worker is stopping) */
void route_drop_held(struct worker *w);

/* {a, b, family} => the 4 or 16 address bytes are equal; inline, no library call per packet */
static inline bool dp_addr_eq(const uint8_t *a, const uint8_t *b, uint8_t family)
{
	uint64_t x[2] = { 0, 0 }, y[2] = { 0, 0 };
	if (family == 4) {
		uint32_t u, v;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* trace.c: a traced packet's drop is its decision */
void trace_drop(struct worker *w, const struct sa *sa, struct rte_mbuf *m, unsigned reason);

/* Count and free one dropped packet. */
static inline void dp_drop(struct worker *w, struct sa *sa, struct rte_mbuf *m, unsigned reason)
{
	w->drops[reason]++;
	if (sa)
		sa->rt->c[w->id].drops[reason]++;
	if (unlikely(w->trace_burst))
		trace_drop(w, sa, m, reason);
	rte_pktmbuf_free(m);
}

/* Stable partition used by every batch stage: status[i] == 0 keeps pkts[i] in front, otherwise
 * it moves behind with reason status[i] - 1. Returns the number kept. */
static inline uint16_t dp_partition(struct rte_mbuf **pkts, uint16_t n, const uint8_t *status,
				    uint8_t *reason)
{
	struct rte_mbuf *bad[DP_BURST];
	uint8_t why[DP_BURST];
	uint16_t good = 0, nbad = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (status[i] == 0) {
			pkts[good++] = pkts[i];
		} else {
			bad[nbad] = pkts[i];
			why[nbad++] = status[i] - 1;
		}
	}
	for (uint16_t i = 0; i < nbad; i++) {
		pkts[good + i] = bad[i];
		reason[good + i] = why[i];
	}
	return good;
}

/* queues.c */
int queues_port_setup(uint16_t port_id);
void queues_assign(void);

/* {worker, port, pkts[n]} => number sent on the worker's own TX queue of that port */
static inline uint16_t port_tx_burst(const struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_port *p = &dp.ports[port];
	uint16_t q = w->txq[port];
	if (likely(!p->tx_shared))
		return rte_eth_tx_burst(port, q, pkts, n);
	rte_spinlock_lock(&p->txlock[q]);
	uint16_t sent = rte_eth_tx_burst(port, q, pkts, n);
	rte_spinlock_unlock(&p->txlock[q]);
	return sent;
}

/* ---- exception.c: the TAP to the kernel per port ---- */
/* {lan port, Ethernet frame} => true when the kernel must see it (ARP, ND, to our addresses) */
bool exc_lan_for_kernel(const struct dp_port *p, const struct rte_mbuf *m);
/* {wan port, non-ESP L3 packet} => true when it is the node's (to its addresses, broadcast,
 * link-scope multicast, ND); anything else must not reach a kernel that could route it */
bool exc_wan_ip_for_kernel(const struct dp_port *p, const struct rte_mbuf *m, uint8_t family);
/* {frame} => queued for the port's TAP, or dropped with reason when the port has none */
static inline void exc_punt(struct worker *w, const struct dp_port *p, struct rte_mbuf *m, unsigned reason)
{
	if (!p->has_exc) {
		dp_drop(w, NULL, m, reason);
		return;
	}
	w->exc_q[w->exc_n++] = m;	/* at most one burst per flush */
}
/* {worker, port} => the queued frames written to the port's TAP */
void exc_flush(struct worker *w, uint16_t port);
/* {worker, port} => what the kernel wrote on the port's TAP sent out of the port */
void exc_poll(struct worker *w, uint16_t port);
void exc_close(struct dp_port *p);

/* ---- unresolved.c: next hops without a MAC, for the agent to resolve ---- */
void unresolved_note(uint8_t family, const uint8_t *ip, uint16_t port);

/* ---- MTU: mtu.c, fragment.c, icmp_error.c, mss_clamp.c ---- */
#define DP_MTU_DEFAULT	1500
#define DP_MTU_MIN	576	/* the smallest datagram every IPv4 host must accept */
#define DP_MTU_MAX	9216
#define DP_MSS_MIN	88	/* Linux's TCP_MIN_MSS */
/* The smallest MTU of any wan port: runs of packets that fit it skip the per-SA route lookup. */
extern _Atomic uint16_t mtu_floor;
/* {esp_dp_port just added} => its MTU (default) and own addresses recorded */
void mtu_port_added(const struct esp_dp_port *p);
/* {port} => the source address for ICMP errors sent out of it, or NULL if it has none */
const uint8_t *mtu_port_addr(uint16_t port, uint8_t family);

/* {sa, mtu} => the largest inner packet whose ESP form (outer IP, UDP, SPI|seq, IV, padding
 * to the block, pad length, next header, ICV) is at most mtu bytes; 0 if none fits */
static inline uint32_t sa_inner_max(const struct sa *sa, uint32_t mtu)
{
	uint32_t fixed = sa->hdr_len + sa->icv_len;
	uint32_t room = mtu > fixed ? (mtu - fixed) & ~(uint32_t)(sa->block - 1u) : 0;
	return room > 2 ? room - 2 : 0;
}
/* {outbound sa, its run pkts[n]} => true when a packet may not fit the smallest wan MTU */
static inline bool mtu_run_may_exceed(const struct sa *sa, struct rte_mbuf *const *pkts, uint16_t n)
{
	uint32_t max = sa_inner_max(sa, atomic_load_explicit(&mtu_floor, memory_order_relaxed));
	for (uint16_t i = 0; i < n; i++)
		if (rte_pktmbuf_pkt_len(pkts[i]) > max)
			return true;
	return false;
}
/* {outbound sa, its run pkts[n] (inner L3), out[nout] of the burst} => the new nout: packets
 * that fit are encrypted as usual, IPv4 without DF is fragmented first, the rest dropped as
 * too_big with an ICMP error. out is sent early (route_and_send) when it fills, keeping order. */
uint16_t mtu_outbound_run(struct worker *w, struct sa *sa, struct rte_mbuf **pkts, uint16_t n,
			  struct rte_mbuf **out, uint16_t nout);
/* {IPv4 packet, largest fragment} => fragments in out[] (new single-segment mbufs, the original
 * untouched), their number, or -errno (-EMSGSIZE when more than cap would be needed) */
int ipv4_fragment(const struct rte_mbuf *m, uint32_t max, struct rte_mbuf **out, uint16_t cap);
/* {packet dropped as too big (Ethernet header still in its headroom), mtu to report} =>
 * ESP_DP_DROP_too_big, or _too_big_icmp_limited when the rate limit suppressed the error */
unsigned icmp_too_big(struct worker *w, const struct rte_mbuf *m, uint32_t mtu);
/* {mss, L3 packets} => the MSS option of TCP SYNs lowered to mss, checksum updated */
void mss_clamp_burst(uint16_t mss, struct rte_mbuf **pkts, uint16_t n);
/* route.c: {fib, family, destination} => the port the route leads out of, or -1 */
int route_port(const struct fib *f, uint8_t family, const uint8_t *dst);

int worker_main(void *arg);
/* idle.c: at start, which workers sleep when idle; at the end of such a worker's loop */
void idle_setup(void);
void idle_nap(struct worker *w);
void dp_process_burst(uint8_t role, struct rte_mbuf **pkts, uint16_t n);

/* stats.c */
void stats_sum_ports(struct port_counters *out /* [DP_MAX_PORTS] */);

#endif
