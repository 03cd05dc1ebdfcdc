/* The manual-keying configuration file (DESIGN.md): JSON -> the ABI's structs, every field
 * checked, unknown fields refused, and any error names its field ("sas[1].aead.key: ...").
 * esp_dp_config_check needs no EAL, so a bad file stops the runner before anything runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "internal.h"

struct config {
	struct esp_dp_port *ports;
	char (*exception)[16];	/* per port: its exception TAP's name, "" for none */
	struct esp_dp_sa *sas;
	struct esp_dp_policy *pols;
	struct esp_dp_route *routes;
	struct esp_dp_neighbor *neigh;
	uint32_t *port_mtu;	/* per ports[] entry; esp_dp_port has no room for it (ABI) */
	uint32_t nports, nsas, npols, nroutes, nneigh;
};

static void config_free(struct config *c)
{
	if (c->sas)
		explicit_bzero(c->sas, c->nsas * sizeof(*c->sas));
	free(c->ports);
	free(c->exception);
	free(c->port_mtu);
	free(c->sas);
	free(c->pols);
	free(c->routes);
	free(c->neigh);
	memset(c, 0, sizeof(*c));
}

/* Every object lists the fields it knows; anything else is a typo we must not ignore. */
static int only_fields(json_t *o, const char *where, const char *const *known)
{
	const char *key;
	json_t *v;
	if (!json_is_object(o))
		return dp_fail(EINVAL, "%s: must be an object", where);
	json_object_foreach(o, key, v) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, key) == 0;
		if (!ok)
			return dp_fail(EINVAL, "%s.%s: unknown field", where, key);
	}
	return 0;
}

static int get_str(json_t *o, const char *where, const char *field, bool required, const char **out)
{
	json_t *v = json_object_get(o, field);
	*out = NULL;
	if (!v)
		return required ? dp_fail(EINVAL, "%s.%s: required", where, field) : 0;
	if (!json_is_string(v))
		return dp_fail(EINVAL, "%s.%s: must be a string", where, field);
	*out = json_string_value(v);
	return 0;
}

static int get_uint(json_t *o, const char *where, const char *field, uint64_t max, bool required,
		    uint64_t *out)
{
	json_t *v = json_object_get(o, field);
	if (!v)
		return required ? dp_fail(EINVAL, "%s.%s: required", where, field) : 0;
	if (json_is_string(v)) {	/* big numbers (lifetimes, seq) may come as strings */
		char *end;
		errno = 0;
		unsigned long long x = strtoull(json_string_value(v), &end, 0);
		if (errno || *end || !*json_string_value(v) || x > max)
			return dp_fail(EINVAL, "%s.%s: not a number in 0..%llu", where, field, (unsigned long long)max);
		*out = x;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return dp_fail(EINVAL, "%s.%s: must be an integer in 0..%llu", where, field, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int parse_addr(const char *s, struct esp_dp_addr *a, bool prefix, const char *where)
{
	char buf[INET6_ADDRSTRLEN + 8];
	memset(a, 0, sizeof(*a));
	if (!s || strlen(s) >= sizeof(buf))
		return dp_fail(EINVAL, "%s: not an address", where);
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash && !prefix)
		return dp_fail(EINVAL, "%s: \"%s\" must be an address, not a prefix", where, s);
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = 6;
	else
		return dp_fail(EINVAL, "%s: \"%s\" is not an IPv4 or IPv6 %s", where, s, prefix ? "prefix" : "address");
	unsigned max = a->family == 4 ? 32 : 128;
	a->prefix_len = (uint8_t)max;
	if (slash) {
		char *end;
		long len = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || len < 0 || len > (long)max)
			return dp_fail(EINVAL, "%s: \"%s\" has an invalid prefix length", where, s);
		a->prefix_len = (uint8_t)len;
		/* host bits set ("10.0.0.1/24") are a likely mistake: refuse */
		for (unsigned bit = (unsigned)len; bit < max; bit++)
			if (a->addr[bit / 8] & (0x80 >> (bit % 8)))
				return dp_fail(EINVAL, "%s: \"%s\" has host bits set", where, s);
	}
	return 0;
}

static int parse_hex(const char *s, uint8_t *out, uint32_t *len, const char *where)
{
	if (!s || strncmp(s, "0x", 2) != 0)
		return dp_fail(EINVAL, "%s: must be 0x followed by hex digits", where);
	size_t n = strlen(s + 2);
	if (n == 0 || n % 2 || n / 2 > ESP_DP_KEY_MAX)
		return dp_fail(EINVAL, "%s: must be an even number of hex digits, at most %u bytes", where, ESP_DP_KEY_MAX);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;
		if (sscanf(s + 2 + 2 * i, "%2x", &b) != 1 || !strchr("0123456789abcdefABCDEF", s[2 + 2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[3 + 2 * i]))
			return dp_fail(EINVAL, "%s: not hexadecimal", where);
		out[i] = (uint8_t)b;
	}
	*len = (uint32_t)(n / 2);
	return 0;
}

static int parse_spi(json_t *o, const char *where, bool required, uint32_t *spi)
{
	const char *s;
	char w[64];
	snprintf(w, sizeof(w), "%s.spi", where);
	int rc = get_str(o, where, "spi", required, &s);
	if (rc || !s)
		return rc;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 16);
	if (strncmp(s, "0x", 2) != 0 || *end || errno || v > UINT32_MAX || s[2] == '\0')
		return dp_fail(EINVAL, "%s: \"%s\" is not a 0x-hex SPI", w, s);
	*spi = (uint32_t)v;
	return 0;
}

static int parse_dir(json_t *o, const char *where, uint8_t *dir)
{
	const char *s;
	int rc = get_str(o, where, "dir", true, &s);
	if (rc)
		return rc;
	if (strcmp(s, "in") == 0)
		*dir = ESP_DP_DIR_IN;
	else if (strcmp(s, "out") == 0)
		*dir = ESP_DP_DIR_OUT;
	else
		return dp_fail(EINVAL, "%s.dir: \"%s\", must be in or out", where, s);
	return 0;
}

static int parse_alg(json_t *o, const char *where, const char *field, const char *bits_field,
		     char *name, uint8_t *key, uint32_t *key_len, uint32_t *bits, enum alg_kind kind)
{
	json_t *a = json_object_get(o, field);
	char w[64];
	const char *s;
	if (!a)
		return 0;
	snprintf(w, sizeof(w), "%s.%s", where, field);
	const char *known[] = { "name", "key", bits_field, NULL };
	int rc = only_fields(a, w, bits_field ? known : (const char *[]){ "name", "key", NULL });
	if (rc || (rc = get_str(a, w, "name", true, &s)))
		return rc;
	const struct alg *alg = alg_find(s, kind);
	if (!alg)
		return dp_fail(EINVAL, "%s.name: unknown algorithm \"%s\"", w, s);
	snprintf(name, ESP_DP_ALG_NAME_LEN, "%s", s);
	if ((rc = get_str(a, w, "key", true, &s)))
		return rc;
	char kw[72];
	snprintf(kw, sizeof(kw), "%s.key", w);
	if ((rc = parse_hex(s, key, key_len, kw)))
		return rc;
	if (bits_field) {
		uint64_t b = alg->icv_bits;
		if ((rc = get_uint(a, w, bits_field, 512, false, &b)))
			return rc;
		*bits = (uint32_t)b;
	}
	return 0;
}

static int parse_sa(json_t *o, uint32_t i, struct esp_dp_sa *sa)
{
	static const char *const known[] = { "spi", "dir", "mode", "src", "dst", "aead", "enc", "auth",
					     "replayWindow", "esn", "encap", "lifetime", "seq", "reqid",
					     "mssClamp", NULL };
	char w[32];
	const char *s;
	uint64_t v;
	int rc;
	snprintf(w, sizeof(w), "sas[%u]", i);
	memset(sa, 0, sizeof(*sa));
	if ((rc = only_fields(o, w, known)) || (rc = parse_spi(o, w, true, &sa->spi)) ||
	    (rc = parse_dir(o, w, &sa->dir)))
		return rc;
	if ((rc = get_str(o, w, "mode", false, &s)))
		return rc;
	if (s && strcmp(s, "tunnel") != 0)
		return dp_fail(EINVAL, "%s.mode: \"%s\", only tunnel is supported", w, s);
	char fw[48];
	if ((rc = get_str(o, w, "src", true, &s)))
		return rc;
	snprintf(fw, sizeof(fw), "%s.src", w);
	if ((rc = parse_addr(s, &sa->src, false, fw)) || (rc = get_str(o, w, "dst", true, &s)))
		return rc;
	snprintf(fw, sizeof(fw), "%s.dst", w);
	if ((rc = parse_addr(s, &sa->dst, false, fw)))
		return rc;
	uint32_t auth_bits = 0;
	if ((rc = parse_alg(o, w, "aead", "icvBits", sa->aead, sa->aead_key, &sa->aead_key_len, &sa->icv_bits, ALG_AEAD)) ||
	    (rc = parse_alg(o, w, "enc", NULL, sa->enc, sa->enc_key, &sa->enc_key_len, NULL, ALG_CIPHER)) ||
	    (rc = parse_alg(o, w, "auth", "truncBits", sa->auth, sa->auth_key, &sa->auth_key_len, &auth_bits, ALG_AUTH)))
		return rc;
	if (!sa->aead[0])
		sa->icv_bits = auth_bits;
	v = 32;
	if ((rc = get_uint(o, w, "replayWindow", DP_REPLAY_MAX, false, &v)))
		return rc;
	sa->replay_window = (uint32_t)v;
	json_t *esn = json_object_get(o, "esn");
	if (esn && !json_is_boolean(esn))
		return dp_fail(EINVAL, "%s.esn: must be true or false", w);
	sa->esn = esn && json_is_true(esn);
	json_t *encap = json_object_get(o, "encap");
	if (encap) {
		snprintf(fw, sizeof(fw), "%s.encap", w);
		if ((rc = only_fields(encap, fw, (const char *[]){ "type", "sport", "dport", NULL })) ||
		    (rc = get_str(encap, fw, "type", true, &s)))
			return rc;
		if (strcmp(s, "espinudp") != 0)
			return dp_fail(EINVAL, "%s.type: \"%s\", only espinudp is supported", fw, s);
		sa->encap = 1;
		uint64_t sp = 4500, dpo = 4500;
		if ((rc = get_uint(encap, fw, "sport", 65535, false, &sp)) ||
		    (rc = get_uint(encap, fw, "dport", 65535, false, &dpo)))
			return rc;
		sa->encap_sport = (uint16_t)sp;
		sa->encap_dport = (uint16_t)dpo;
	}
	json_t *lt = json_object_get(o, "lifetime");
	if (lt) {
		snprintf(fw, sizeof(fw), "%s.lifetime", w);
		if ((rc = only_fields(lt, fw, (const char *[]){ "hardBytes", "hardPackets", "softBytes", "softPackets", NULL })) ||
		    (rc = get_uint(lt, fw, "hardBytes", UINT64_MAX, false, &sa->hard_bytes)) ||
		    (rc = get_uint(lt, fw, "hardPackets", UINT64_MAX, false, &sa->hard_packets)) ||
		    (rc = get_uint(lt, fw, "softBytes", UINT64_MAX, false, &sa->soft_bytes)) ||
		    (rc = get_uint(lt, fw, "softPackets", UINT64_MAX, false, &sa->soft_packets)))
			return rc;
	}
	if ((rc = get_uint(o, w, "seq", UINT64_MAX, false, &sa->seq)))
		return rc;
	v = 0;
	if ((rc = get_uint(o, w, "reqid", UINT32_MAX, false, &v)))
		return rc;
	sa->reqid = (uint32_t)v;
	v = 0;
	if ((rc = get_uint(o, w, "mssClamp", UINT16_MAX, false, &v)))
		return rc;
	sa->mss_clamp = (uint16_t)v;
	if ((rc = sa_validate(sa))) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", dp_error());
		return dp_fail(-rc, "%s.%s", w, msg);
	}
	return 0;
}

static int parse_ports_range(json_t *o, const char *w, const char *field, uint16_t *lo, uint16_t *hi)
{
	json_t *v = json_object_get(o, field);
	*lo = 0;
	*hi = 65535;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 65535) {
		*lo = *hi = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (json_is_array(v) && json_array_size(v) == 2 && json_is_integer(json_array_get(v, 0)) &&
	    json_is_integer(json_array_get(v, 1))) {
		json_int_t a = json_integer_value(json_array_get(v, 0)), b = json_integer_value(json_array_get(v, 1));
		if (a >= 0 && b <= 65535 && a <= b) {
			*lo = (uint16_t)a;
			*hi = (uint16_t)b;
			return 0;
		}
	}
	return dp_fail(EINVAL, "%s.%s: must be a port or [low, high] within 0..65535", w, field);
}

static int parse_policy(json_t *o, uint32_t i, struct esp_dp_policy *p)
{
	static const char *const known[] = { "dir", "src", "dst", "proto", "sport", "dport", "action",
					     "spi", "priority", "reqid", NULL };
	char w[32], fw[48];
	const char *s;
	int rc;
	snprintf(w, sizeof(w), "policies[%u]", i);
	memset(p, 0, sizeof(*p));
	if ((rc = only_fields(o, w, known)) || (rc = parse_dir(o, w, &p->dir)) ||
	    (rc = get_str(o, w, "src", true, &s)))
		return rc;
	snprintf(fw, sizeof(fw), "%s.src", w);
	if ((rc = parse_addr(s, &p->src, true, fw)) || (rc = get_str(o, w, "dst", true, &s)))
		return rc;
	snprintf(fw, sizeof(fw), "%s.dst", w);
	if ((rc = parse_addr(s, &p->dst, true, fw)))
		return rc;
	if (p->src.family != p->dst.family)
		return dp_fail(EINVAL, "%s.dst: address family differs from src", w);
	p->proto = ESP_DP_PROTO_ANY;
	json_t *proto = json_object_get(o, "proto");
	if (json_is_integer(proto) && json_integer_value(proto) >= 0 && json_integer_value(proto) <= 255) {
		p->proto = (uint16_t)json_integer_value(proto);
	} else if (json_is_string(proto)) {
		static const struct { const char *name; uint16_t num; } names[] = {
			{ "any", ESP_DP_PROTO_ANY }, { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 } };
		bool found = false;
		for (size_t k = 0; k < RTE_DIM(names); k++)
			if (strcmp(names[k].name, json_string_value(proto)) == 0) {
				p->proto = names[k].num;
				found = true;
			}
		if (!found)
			return dp_fail(EINVAL, "%s.proto: \"%s\" unknown (any, tcp, udp, icmp, ipv6-icmp or a number)",
				       w, json_string_value(proto));
	} else if (proto) {
		return dp_fail(EINVAL, "%s.proto: must be a name or 0..255", w);
	}
	if ((rc = parse_ports_range(o, w, "sport", &p->sport_lo, &p->sport_hi)) ||
	    (rc = parse_ports_range(o, w, "dport", &p->dport_lo, &p->dport_hi)) ||
	    (rc = get_str(o, w, "action", true, &s)))
		return rc;
	if (strcmp(s, "protect") == 0)
		p->action = ESP_DP_PROTECT;
	else if (strcmp(s, "bypass") == 0)
		p->action = ESP_DP_BYPASS;
	else if (strcmp(s, "discard") == 0)
		p->action = ESP_DP_DISCARD;
	else
		return dp_fail(EINVAL, "%s.action: \"%s\", must be protect, bypass or discard", w, s);
	uint64_t reqid = 0;
	if ((rc = get_uint(o, w, "reqid", UINT32_MAX, false, &reqid)))
		return rc;
	p->reqid = (uint32_t)reqid;
	if ((rc = parse_spi(o, w, p->action == ESP_DP_PROTECT && !p->reqid, &p->spi)))
		return rc;
	uint64_t prio = 0;
	if ((rc = get_uint(o, w, "priority", UINT32_MAX, false, &prio)))
		return rc;
	p->priority = (uint32_t)prio;
	return 0;
}

/* {port object} => its optional "exception" interface name copied to out ("" when absent) */
static int parse_exception(json_t *o, const char *w, char out[16])
{
	const char *s;
	int rc = get_str(o, w, "exception", false, &s);
	if (rc || !s)
		return rc;
	size_t n = strlen(s);
	if (n == 0 || n > 15 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
		return dp_fail(EINVAL, "%s.exception: \"%s\" is not an interface name (1..15 of A-Z a-z 0-9 - _ .)", w, s);
	memcpy(out, s, n + 1);
	return 0;
}

static int port_by_name(const struct config *c, const char *name, const char *where, uint16_t *id)
{
	for (uint32_t k = 0; name && k < c->nports; k++)
		if (strncmp(c->ports[k].name, name, sizeof(c->ports[k].name)) == 0) {
			*id = c->ports[k].port_id;
			return 0;
		}
	return dp_fail(EINVAL, "%s: no port named \"%s\"", where, name ? name : "");
}

static json_t *get_array(json_t *root, const char *field, bool required, int *rc)
{
	json_t *a = json_object_get(root, field);
	*rc = 0;
	if (!a) {
		if (required)
			*rc = dp_fail(EINVAL, "%s: required", field);
		return NULL;
	}
	if (!json_is_array(a))
		*rc = dp_fail(EINVAL, "%s: must be an array", field);
	return a;
}

static int parse_config(const char *path, struct config *c)
{
	json_error_t jerr;
	memset(c, 0, sizeof(*c));
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return dp_fail(EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	int rc = only_fields(root, "config", (const char *[]){ "ports", "sas", "policies", "routes", "neighbors", NULL });
	json_t *ports = NULL, *sas = NULL, *pols = NULL, *routes = NULL, *neigh = NULL, *o;
	size_t i;
	if (rc || (ports = get_array(root, "ports", true, &rc), rc) || (sas = get_array(root, "sas", false, &rc), rc) ||
	    (pols = get_array(root, "policies", false, &rc), rc) || (routes = get_array(root, "routes", false, &rc), rc) ||
	    (neigh = get_array(root, "neighbors", false, &rc), rc))
		goto out;
	c->ports = calloc(json_array_size(ports) + 1, sizeof(*c->ports));
	c->exception = calloc(json_array_size(ports) + 1, sizeof(*c->exception));
	c->port_mtu = calloc(json_array_size(ports) + 1, sizeof(*c->port_mtu));
	c->sas = calloc(json_array_size(sas) + 1, sizeof(*c->sas));
	c->pols = calloc(json_array_size(pols) + 1, sizeof(*c->pols));
	c->routes = calloc(json_array_size(routes) + 1, sizeof(*c->routes));
	c->neigh = calloc(json_array_size(neigh) + 1, sizeof(*c->neigh));
	if (!c->ports || !c->exception || !c->port_mtu || !c->sas || !c->pols || !c->routes || !c->neigh) {
		rc = dp_fail(ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(ports, i, o) {
		char w[32];
		const char *s;
		uint64_t id;
		struct esp_dp_port *p = &c->ports[c->nports];
		snprintf(w, sizeof(w), "ports[%zu]", i);
		if ((rc = only_fields(o, w, (const char *[]){ "name", "port", "role", "addresses", "exception", "mtu", NULL })) ||
		    (rc = parse_exception(o, w, c->exception[c->nports])) || (rc = get_str(o, w, "name", true, &s)))
			goto out;
		if (strlen(s) == 0 || strlen(s) >= sizeof(p->name)) {
			rc = dp_fail(EINVAL, "%s.name: must be 1..%zu characters", w, sizeof(p->name) - 1);
			goto out;
		}
		strcpy(p->name, s);
		if ((rc = get_uint(o, w, "port", DP_MAX_PORTS - 1, true, &id)) || (rc = get_str(o, w, "role", true, &s)))
			goto out;
		p->port_id = (uint16_t)id;
		uint64_t mtu = DP_MTU_DEFAULT;
		if ((rc = get_uint(o, w, "mtu", DP_MTU_MAX, false, &mtu)))
			goto out;
		if (mtu < DP_MTU_MIN) {
			rc = dp_fail(EINVAL, "%s.mtu: %lu, must be %u..%u", w, (unsigned long)mtu, DP_MTU_MIN, DP_MTU_MAX);
			goto out;
		}
		c->port_mtu[c->nports] = (uint32_t)mtu;
		if (strcmp(s, "wan") == 0 || strcmp(s, "lan") == 0) {
			p->role = s[0] == 'w' ? ESP_DP_ROLE_WAN : ESP_DP_ROLE_LAN;
		} else {
			rc = dp_fail(EINVAL, "%s.role: \"%s\", must be wan or lan", w, s);
			goto out;
		}
		json_t *addrs = json_object_get(o, "addresses"), *a;
		size_t k;
		if (addrs && (!json_is_array(addrs) || json_array_size(addrs) > RTE_DIM(p->addr))) {
			rc = dp_fail(EINVAL, "%s.addresses: must be an array of at most %zu prefixes", w, RTE_DIM(p->addr));
			goto out;
		}
		json_array_foreach(addrs, k, a) {
			char aw[80];
			snprintf(aw, sizeof(aw), "%s.addresses[%zu]", w, k);
			/* an interface address keeps its host bits: parse as address + length */
			const char *str = json_string_value(a);
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", str ? str : "");
			char *slash = strchr(buf, '/');
			if (slash)
				*slash = '\0';
			if ((rc = parse_addr(buf, &p->addr[k], false, aw)))
				goto out;
			if (slash) {
				long len = strtol(slash + 1, NULL, 10);
				p->addr[k].prefix_len = (uint8_t)len;
			}
			p->naddr++;
		}
		for (uint32_t k2 = 0; k2 < c->nports; k2++)
			if (c->ports[k2].port_id == p->port_id || strcmp(c->ports[k2].name, p->name) == 0) {
				rc = dp_fail(EINVAL, "%s: name or port repeats ports[%u]", w, k2);
				goto out;
			}
		c->nports++;
	}
	json_array_foreach(sas, i, o) {
		if ((rc = parse_sa(o, (uint32_t)i, &c->sas[c->nsas])))
			goto out;
		for (uint32_t k = 0; k < c->nsas; k++)
			if (c->sas[k].spi == c->sas[c->nsas].spi && c->sas[k].dir == c->sas[c->nsas].dir &&
			    memcmp(&c->sas[k].dst, &c->sas[c->nsas].dst, sizeof(c->sas[k].dst)) == 0) {
				rc = dp_fail(EINVAL, "sas[%zu].spi: repeats sas[%u]", i, k);
				goto out;
			}
		c->nsas++;
	}
	json_array_foreach(pols, i, o) {
		struct esp_dp_policy *p = &c->pols[c->npols];
		if ((rc = parse_policy(o, (uint32_t)i, p)))
			goto out;
		if (p->action == ESP_DP_PROTECT) {
			bool found = false;
			for (uint32_t k = 0; k < c->nsas; k++)
				found |= c->sas[k].dir == p->dir &&
					 (p->spi ? c->sas[k].spi == p->spi : c->sas[k].reqid == p->reqid);
			if (!found && p->spi) {
				rc = dp_fail(EINVAL, "policies[%zu].spi: no %s SA with spi 0x%x", i,
					     p->dir == ESP_DP_DIR_IN ? "in" : "out", p->spi);
				goto out;
			}
			if (!found) {
				rc = dp_fail(EINVAL, "policies[%zu].reqid: no %s SA with reqid %u", i,
					     p->dir == ESP_DP_DIR_IN ? "in" : "out", p->reqid);
				goto out;
			}
		}
		c->npols++;
	}
	json_array_foreach(routes, i, o) {
		char w[32], fw[48];
		const char *s;
		struct esp_dp_route *r = &c->routes[c->nroutes];
		snprintf(w, sizeof(w), "routes[%zu]", i);
		if ((rc = only_fields(o, w, (const char *[]){ "dst", "port", "via", NULL })) ||
		    (rc = get_str(o, w, "dst", true, &s)))
			goto out;
		snprintf(fw, sizeof(fw), "%s.dst", w);
		if ((rc = parse_addr(s, &r->dst, true, fw)) || (rc = get_str(o, w, "port", true, &s)))
			goto out;
		snprintf(fw, sizeof(fw), "%s.port", w);
		if ((rc = port_by_name(c, s, fw, &r->port_id)) || (rc = get_str(o, w, "via", false, &s)))
			goto out;
		if (s) {
			snprintf(fw, sizeof(fw), "%s.via", w);
			if ((rc = parse_addr(s, &r->via, false, fw)))
				goto out;
			if (r->via.family != r->dst.family) {
				rc = dp_fail(EINVAL, "%s.via: address family differs from dst", w);
				goto out;
			}
		}
		c->nroutes++;
	}
	json_array_foreach(neigh, i, o) {
		char w[32], fw[48];
		const char *s;
		struct esp_dp_neighbor *n = &c->neigh[c->nneigh];
		snprintf(w, sizeof(w), "neighbors[%zu]", i);
		if ((rc = only_fields(o, w, (const char *[]){ "ip", "mac", "port", NULL })) ||
		    (rc = get_str(o, w, "ip", true, &s)))
			goto out;
		snprintf(fw, sizeof(fw), "%s.ip", w);
		if ((rc = parse_addr(s, &n->ip, false, fw)) || (rc = get_str(o, w, "mac", true, &s)))
			goto out;
		unsigned m[6];
		char extra;
		if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &extra) != 6) {
			rc = dp_fail(EINVAL, "%s.mac: \"%s\" is not a MAC address", w, s);
			goto out;
		}
		for (int k = 0; k < 6; k++)
			n->mac[k] = (uint8_t)m[k];
		snprintf(fw, sizeof(fw), "%s.port", w);
		if ((rc = get_str(o, w, "port", true, &s)) || (rc = port_by_name(c, s, fw, &n->port_id)))
			goto out;
		c->nneigh++;
	}
out:
	json_decref(root);
	if (rc)
		config_free(c);
	return rc;
}

int esp_dp_config_check(const char *path)
{
	struct config c;
	dp_clear_error();
	if (!path)
		return dp_fail(EINVAL, "config: no path");
	int rc = parse_config(path, &c);
	if (rc == 0)
		config_free(&c);
	return rc;
}

static int split_policies(const struct config *c, uint8_t dir)
{
	struct esp_dp_policy *p = calloc(c->npols + 1, sizeof(*p));
	uint32_t n = 0;
	if (!p)
		return dp_fail(ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c->npols; i++)
		if (c->pols[i].dir == dir)
			p[n++] = c->pols[i];
	int rc = esp_dp_spd_replace(dir, p, n);
	free(p);
	return rc;
}

int esp_dp_config_apply(const char *path)
{
	struct config c;
	dp_clear_error();
	int rc = parse_config(path, &c);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < c.nports && rc == 0; i++) {
		rc = esp_dp_port_add(&c.ports[i]);
		if (rc == 0)
			rc = esp_dp_port_set_mtu(c.ports[i].port_id, c.port_mtu[i]);
		if (rc == 0 && c.exception[i][0])
			rc = esp_dp_port_exception(c.ports[i].port_id, c.exception[i]);
	}
	for (uint32_t i = 0; i < c.nsas && rc == 0; i++)
		rc = esp_dp_sa_put(&c.sas[i]);
	if (rc == 0)
		rc = split_policies(&c, ESP_DP_DIR_IN);
	if (rc == 0)
		rc = split_policies(&c, ESP_DP_DIR_OUT);
	if (rc == 0)
		rc = esp_dp_routes_replace(c.routes, c.nroutes, c.neigh, c.nneigh);
	config_free(&c);
	return rc;
}
