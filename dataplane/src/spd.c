/* Security policy databases, one per direction, each an rte_acl context per address family
 * (or, for a family of at most DP_SMALL_SPD policies, a list scanned in priority order),
 * rebuilt on every replace and published with one atomic store (RCU). A match carries the
 * policy's index + 1 as user data; XFRM's "lower priority value wins" maps to ACL priority. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "internal.h"

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_NUM };
enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4, F6_DPORT, F6_NUM };

RTE_ACL_RULE_DEF(acl_rule4, F4_NUM);
RTE_ACL_RULE_DEF(acl_rule6, F6_NUM);

static void field_defs(struct rte_acl_config *cfg, int v6)
{
	struct rte_acl_field_def *d = cfg->defs;
	unsigned f = 0, in = 0;
	d[f] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_BITMASK, 1, f, in++, 0 };
	f++;
	unsigned words = v6 ? 4 : 1, addr_off = offsetof(struct acl_key6, src);
	for (unsigned side = 0; side < 2; side++)
		for (unsigned k = 0; k < words; k++, f++)
			d[f] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK, 4, f, in++,
							    addr_off + (side * words + k) * 4 };
	unsigned port_off = v6 ? offsetof(struct acl_key6, sport) : offsetof(struct acl_key4, sport);
	d[f] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2, f, in, port_off };
	f++;
	d[f] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2, f, in, port_off + 2 };
	f++;
	cfg->num_fields = f;
	cfg->num_categories = 1;
}

static void rule_fields(struct rte_acl_field *fld, const struct esp_dp_policy *p, unsigned words)
{
	unsigned f = 0;
	bool any = p->proto == ESP_DP_PROTO_ANY;
	fld[f].value.u8 = any ? 0 : (uint8_t)p->proto;
	fld[f++].mask_range.u8 = any ? 0 : 0xff;
	const struct esp_dp_addr *side[2] = { &p->src, &p->dst };
	for (unsigned s = 0; s < 2; s++) {
		for (unsigned k = 0; k < words; k++, f++) {
			uint32_t word;
			memcpy(&word, side[s]->addr + 4 * k, 4);
			int bits = (int)side[s]->prefix_len - 32 * (int)k;
			bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
			fld[f].value.u32 = rte_be_to_cpu_32(word);
			fld[f].mask_range.u32 = (uint32_t)bits;
		}
	}
	fld[f].value.u16 = p->sport_lo;
	fld[f++].mask_range.u16 = p->sport_hi;
	fld[f].value.u16 = p->dport_lo;
	fld[f++].mask_range.u16 = p->dport_hi;
}

/* {policies} => rank[i]: 0 for the lowest priority value (the strongest), 1 for the next...
 * XFRM priorities are full 32-bit (strongSwan uses values like 375423); ranks keep their order
 * within the range ACL priorities have. */
static int u32_order(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void priority_ranks(const struct esp_dp_policy *pol, uint32_t n, uint32_t *rank)
{
	uint32_t *values = malloc((n + 1) * sizeof(*values)), m = 0;
	if (!values) {	/* keep going with one rank for all: ties fall back to list order */
		memset(rank, 0, n * sizeof(*rank));
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		values[i] = pol[i].priority;
	qsort(values, n, sizeof(*values), u32_order);
	for (uint32_t i = 0; i < n; i++)
		if (m == 0 || values[m - 1] != values[i])
			values[m++] = values[i];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = 0, hi = m;
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if (values[mid] < pol[i].priority)
				lo = mid + 1;
			else
				hi = mid;
		}
		rank[i] = lo;
	}
	free(values);
}

/* XFRM: a lower value wins; ACL: a higher value wins. Earlier entries break ties. At most
 * RTE_ACL_MAX_PRIORITY (2^29 - 1): 2^18 - 1 ranks x 2048 positions. The scan orders by it too. */
static int32_t acl_priority(uint32_t rank, uint32_t i)
{
	uint32_t r = rank > 0x3fffe ? 0x3fffe : rank;
	return (int32_t)((0x3fffeu - r) * 2048u + (2047u - (i < 2047 ? i : 2047)) + 1);
}

/* {policies of one family, at most DP_SMALL_SPD} => spd->small[v6] strongest first: the scan
 * takes the first match, as rte_acl takes the highest priority */
static void small_build(struct spd *spd, const struct esp_dp_policy *pol, const uint32_t *rank, uint32_t n, int v6)
{
	int32_t prio[DP_SMALL_SPD];
	uint8_t k = 0;
	unsigned words = v6 ? 4 : 1;
	for (uint32_t i = 0; i < n; i++) {
		if (pol[i].dst.family != (v6 ? 6 : 4))
			continue;
		struct spd_rule r = { .res = i + 1 };
		bool any = pol[i].proto == ESP_DP_PROTO_ANY;
		r.proto = any ? 0 : (uint8_t)pol[i].proto;
		r.proto_mask = any ? 0 : 0xff;
		for (unsigned w = 0; w < words; w++) {
			const struct esp_dp_addr *side[2] = { &pol[i].src, &pol[i].dst };
			uint32_t *val[2] = { &r.src[w], &r.dst[w] }, *mask[2] = { &r.src_mask[w], &r.dst_mask[w] };
			for (unsigned s = 0; s < 2; s++) {
				int bits = (int)side[s]->prefix_len - 32 * (int)w;
				bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
				uint32_t word;
				memcpy(&word, side[s]->addr + 4 * w, 4);
				*mask[s] = rte_cpu_to_be_32(bits ? UINT32_MAX << (32 - bits) : 0);
				*val[s] = word & *mask[s];
			}
		}
		r.sport_lo = pol[i].sport_lo;
		r.sport_hi = pol[i].sport_hi;
		r.dport_lo = pol[i].dport_lo;
		r.dport_hi = pol[i].dport_hi;
		/* insertion by priority, stable: equal ones keep list order */
		int32_t p = acl_priority(rank[i], i);
		uint8_t at = k;
		while (at > 0 && prio[at - 1] < p) {
			prio[at] = prio[at - 1];
			spd->small[v6][at] = spd->small[v6][at - 1];
			at--;
		}
		prio[at] = p;
		spd->small[v6][at] = r;
		k++;
	}
	spd->nsmall[v6] = k;
}

/* {scanned rules, key} => the first rule's policy index + 1 that matches, 0 = none. The
 * address words are read one by one: copying the key into a 16-byte array first makes the
 * vector load of it wait on the narrow stores (perf: 70 % of the scan). */
static inline bool small_ports(const struct spd_rule *r, uint16_t sport, uint16_t dport)
{
	return sport >= r->sport_lo && sport <= r->sport_hi && dport >= r->dport_lo && dport <= r->dport_hi;
}

static inline uint32_t small_match4(const struct spd_rule *r, uint8_t n, const struct acl_key4 *key)
{
	uint32_t src, dst;
	memcpy(&src, key->src, 4);
	memcpy(&dst, key->dst, 4);
	uint16_t sport = rte_be_to_cpu_16(key->sport), dport = rte_be_to_cpu_16(key->dport);
	for (uint8_t k = 0; k < n; k++, r++) {
		uint32_t diff = (uint32_t)((key->proto & r->proto_mask) ^ r->proto) |
				((src & r->src_mask[0]) ^ r->src[0]) | ((dst & r->dst_mask[0]) ^ r->dst[0]);
		if (diff == 0 && small_ports(r, sport, dport))
			return r->res;
	}
	return 0;
}

static inline uint32_t small_match6(const struct spd_rule *r, uint8_t n, const struct acl_key6 *key)
{
	uint16_t sport = rte_be_to_cpu_16(key->sport), dport = rte_be_to_cpu_16(key->dport);
	for (uint8_t k = 0; k < n; k++, r++) {
		uint32_t diff = (uint32_t)((key->proto & r->proto_mask) ^ r->proto);
		for (unsigned w = 0; w < 4; w++) {
			uint32_t src, dst;
			memcpy(&src, key->src + 4 * w, 4);
			memcpy(&dst, key->dst + 4 * w, 4);
			diff |= ((src & r->src_mask[w]) ^ r->src[w]) | ((dst & r->dst_mask[w]) ^ r->dst[w]);
		}
		if (diff == 0 && small_ports(r, sport, dport))
			return r->res;
	}
	return 0;
}

static struct rte_acl_ctx *acl_build(const struct esp_dp_policy *pol, const uint32_t *rank, uint32_t n,
				     uint8_t dir, int v6)
{
	uint32_t count = 0;
	for (uint32_t i = 0; i < n; i++)
		count += pol[i].dst.family == (v6 ? 6 : 4);
	if (count == 0)
		return NULL;
	char name[RTE_ACL_NAMESIZE];
	snprintf(name, sizeof(name), "espdp_spd%u_%u_%u", dir, v6, ++dp.gen);
	unsigned nf = v6 ? F6_NUM : F4_NUM;
	struct rte_acl_param param = { .name = name, .socket_id = (int)rte_socket_id(),
				       .rule_size = RTE_ACL_RULE_SZ(nf), .max_rule_num = count };
	struct rte_acl_ctx *ctx = rte_acl_create(&param);
	if (!ctx)
		return NULL;
	union { struct acl_rule4 r4; struct acl_rule6 r6; } rule;
	for (uint32_t i = 0; i < n; i++) {
		if (pol[i].dst.family != (v6 ? 6 : 4))
			continue;
		memset(&rule, 0, sizeof(rule));
		struct rte_acl_rule_data *data = v6 ? &rule.r6.data : &rule.r4.data;
		data->category_mask = 1;
		data->priority = acl_priority(rank[i], i);
		data->userdata = i + 1;
		rule_fields(v6 ? rule.r6.field : rule.r4.field, &pol[i], v6 ? 4 : 1);
		if (rte_acl_add_rules(ctx, (struct rte_acl_rule *)&rule, 1) != 0) {
			rte_acl_free(ctx);
			return NULL;
		}
	}
	struct rte_acl_config cfg = { 0 };
	field_defs(&cfg, v6);
	if (rte_acl_build(ctx, &cfg) != 0) {
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

static void spd_free(struct spd *spd)
{
	if (!spd)
		return;
	rte_acl_free(spd->acl[0]);
	rte_acl_free(spd->acl[1]);
	rte_free(spd);
}

static int policy_validate(const struct esp_dp_policy *p, uint8_t dir, uint32_t i)
{
	if (p->dir != dir)
		return dp_fail(EINVAL, "policies[%u].dir: does not match the table replaced", i);
	if (p->action > ESP_DP_DISCARD)
		return dp_fail(EINVAL, "policies[%u].action: unknown", i);
	if ((p->src.family != 4 && p->src.family != 6) || p->src.family != p->dst.family)
		return dp_fail(EINVAL, "policies[%u].src/dst: families invalid or differ", i);
	unsigned max = p->src.family == 4 ? 32 : 128;
	if (p->src.prefix_len > max || p->dst.prefix_len > max)
		return dp_fail(EINVAL, "policies[%u].src/dst: prefix too long", i);
	if (p->sport_lo > p->sport_hi || p->dport_lo > p->dport_hi)
		return dp_fail(EINVAL, "policies[%u].sport/dport: range reversed", i);
	if (p->proto != ESP_DP_PROTO_ANY && p->proto > 255)
		return dp_fail(EINVAL, "policies[%u].proto: not an IP protocol", i);
	if (p->action == ESP_DP_PROTECT && !p->spi && !p->reqid)
		return dp_fail(EINVAL, "policies[%u].spi: a protect policy needs an spi or a reqid", i);
	return 0;
}

int esp_dp_spd_replace(uint8_t dir, const struct esp_dp_policy *pol, uint32_t n)
{
	dp_clear_error();
	if (dir > ESP_DP_DIR_OUT)
		return dp_fail(EINVAL, "dir: must be in or out");
	if (n && !pol)
		return dp_fail(EINVAL, "policies: NULL");
	for (uint32_t i = 0; i < n; i++) {
		int rc = policy_validate(&pol[i], dir, i);
		if (rc)
			return rc;
	}
	if (!dp.eal_up)
		return dp_fail(ENODEV, "dataplane not initialised");
	pthread_mutex_lock(&dp.lock);
	struct spd *spd = rte_zmalloc("espdp_spd", sizeof(*spd) + n * sizeof(pol[0]), RTE_CACHE_LINE_SIZE);
	int rc = 0;
	if (!spd) {
		rc = dp_fail(ENOMEM, "out of memory for SPD");
		goto out;
	}
	spd->count = n;
	if (n)
		memcpy(spd->pol, pol, n * sizeof(pol[0]));
	uint32_t *rank = calloc(n + 1, sizeof(*rank));
	if (!rank) {
		spd_free(spd);
		rc = dp_fail(ENOMEM, "out of memory for SPD");
		goto out;
	}
	priority_ranks(pol, n, rank);
	for (int v6 = 0; v6 < 2; v6++) {
		uint32_t count = 0;
		for (uint32_t i = 0; i < n; i++)
			count += pol[i].dst.family == (v6 ? 6 : 4);
		if (count <= DP_SMALL_SPD) {
			small_build(spd, pol, rank, n, v6);
			continue;
		}
		spd->acl[v6] = acl_build(pol, rank, n, dir, v6);
		if (!spd->acl[v6]) {
			free(rank);
			spd_free(spd);
			rc = dp_fail(ENOMEM, "cannot build the ACL for the %s SPD", dir ? "out" : "in");
			goto out;
		}
	}
	free(rank);
	struct spd *old = atomic_exchange(&dp.spd[dir], spd);
	dp_rcu_wait();
	spd_free(old);
out:
	pthread_mutex_unlock(&dp.lock);
	return rc;
}

/* Ports (ICMP: type and code, as XFRM selectors hold them) of an unfragmented L4 header. */
static void l4_ports(const uint8_t *l4, uint32_t avail, uint8_t proto, uint16_t *sport, uint16_t *dport)
{
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) && avail >= 4) {
		memcpy(sport, l4, 2);
		memcpy(dport, l4 + 2, 2);
	} else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && avail >= 2) {
		*sport = rte_cpu_to_be_16(l4[0]);
		*dport = rte_cpu_to_be_16(l4[1]);
	}
}

int spd_key(const struct rte_mbuf *m, union acl_key *key)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	memset(key, 0, sizeof(*key));
	if (len >= sizeof(struct rte_ipv4_hdr) && (p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		uint32_t hl = (ip->version_ihl & 15) * 4u;
		if (hl < 20 || hl > len)
			return 0;
		key->v4.proto = ip->next_proto_id;
		memcpy(key->v4.src, &ip->src_addr, 4);
		memcpy(key->v4.dst, &ip->dst_addr, 4);
		if (!(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)))
			l4_ports(p + hl, len - hl, ip->next_proto_id, &key->v4.sport, &key->v4.dport);
		return 4;
	}
	if (len >= sizeof(struct rte_ipv6_hdr) && (p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip = (const void *)p;
		key->v6.proto = ip->proto;
		memcpy(key->v6.src, ip->src_addr, 16);
		memcpy(key->v6.dst, ip->dst_addr, 16);
		/* no extension-header walk: the next header is taken as the upper layer */
		l4_ports(p + 40, len - 40, ip->proto, &key->v6.sport, &key->v6.dport);
		return 6;
	}
	return 0;
}

void spd_classify(const struct spd *spd, union acl_key *keys, const uint8_t *family, uint16_t n,
		  uint32_t *res)
{
	const uint8_t *data[2][DP_BURST];
	uint16_t idx[2][DP_BURST], cnt[2] = { 0, 0 };
	uint32_t out[DP_BURST];
	for (uint16_t i = 0; i < n; i++) {
		res[i] = 0;
		int v6 = family[i] == 6;
		if (!spd || family[i] == 0)
			continue;
		if (spd->nsmall[v6]) {
			res[i] = v6 ? small_match6(spd->small[1], spd->nsmall[1], &keys[i].v6)
				     : small_match4(spd->small[0], spd->nsmall[0], &keys[i].v4);
			continue;
		}
		if (!spd->acl[v6])
			continue;
		data[v6][cnt[v6]] = (const uint8_t *)&keys[i];
		idx[v6][cnt[v6]++] = i;
	}
	for (int v6 = 0; v6 < 2; v6++) {
		if (!cnt[v6])
			continue;
		rte_acl_classify(spd->acl[v6], data[v6], out, cnt[v6], 1);
		for (uint16_t k = 0; k < cnt[v6]; k++)
			res[idx[v6][k]] = out[k];
	}
}
