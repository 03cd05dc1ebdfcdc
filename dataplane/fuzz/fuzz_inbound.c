/* libFuzzer target for the inbound path: Ethernet frame -> classify -> SAD -> ESP decap
 * (length, replay, ICV, padding, inner header) -> inbound policy check -> route.
 *
 * The first input byte picks how the rest is used, so the fuzzer reaches every stage:
 *   0  a whole frame, as received on the wan port
 *   1  the plaintext of an ESP payload on SA 0x5001 (AES-GCM), sealed here with a valid ICV,
 *      so padding, next header and the inner packet are fuzzed past authentication
 *   2  the ESP header and payload after a fixed IPv4 header to SA 0x5001
 *   3  the same after IPv6 + UDP 4500 to SA 0x5002 (CBC + HMAC-SHA1, ESN)
 * Any crash or sanitizer report is a bug. Runs without ports: dp_process_burst(). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "internal.h"

static const uint8_t gcm_key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xa, 0xb, 0xc, 0xd };
static struct crypto_sess seal = { .aead = true, .iv_len = 12 };

static void addr(struct esp_dp_addr *a, const char *text4, const uint8_t *v6, uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	if (text4) {
		a->family = 4;
		sscanf(text4, "%hhu.%hhu.%hhu.%hhu", &a->addr[0], &a->addr[1], &a->addr[2], &a->addr[3]);
	} else {
		a->family = 6;
		memcpy(a->addr, v6, 16);
	}
	a->prefix_len = plen;
}

static const uint8_t local6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t any6[16] = { 0 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *eal[] = { "-l", "0", "--no-pci", "--no-huge", "-m", "256", "--no-shconf", "--no-telemetry",
			      "--log-level", "1" };
	if (esp_dp_init(sizeof(eal) / sizeof(eal[0]), eal, "/dev/null") != 0) {
		fprintf(stderr, "init: %s\n", esp_dp_last_error());
		abort();
	}
	struct esp_dp_sa sa = { .spi = 0x5001, .dir = ESP_DP_DIR_IN, .replay_window = 64, .icv_bits = 128,
				.aead_key_len = 20 };
	strcpy(sa.aead, "rfc4106(gcm(aes))");
	memcpy(sa.aead_key, gcm_key, 20);
	addr(&sa.src, "192.0.2.2", NULL, 32);
	addr(&sa.dst, "192.0.2.1", NULL, 32);
	if (esp_dp_sa_put(&sa))
		abort();
	struct esp_dp_sa cbc = { .spi = 0x5002, .dir = ESP_DP_DIR_IN, .replay_window = 128, .esn = 1, .encap = 1,
				 .encap_sport = 4500, .encap_dport = 4500, .icv_bits = 96, .enc_key_len = 16,
				 .auth_key_len = 20 };
	strcpy(cbc.enc, "cbc(aes)");
	strcpy(cbc.auth, "hmac(sha1)");
	addr(&cbc.src, NULL, peer6, 128);
	addr(&cbc.dst, NULL, local6, 128);
	if (esp_dp_sa_put(&cbc))
		abort();
	struct esp_dp_policy pol[2] = {
		{ .dir = ESP_DP_DIR_IN, .action = ESP_DP_PROTECT, .proto = ESP_DP_PROTO_ANY, .sport_hi = 65535,
		  .dport_hi = 65535, .spi = 0x5001 },
		{ .dir = ESP_DP_DIR_IN, .action = ESP_DP_PROTECT, .proto = ESP_DP_PROTO_ANY, .sport_hi = 65535,
		  .dport_hi = 65535, .spi = 0x5002 },
	};
	addr(&pol[0].src, "10.0.0.0", NULL, 8);
	addr(&pol[0].dst, "10.0.0.0", NULL, 8);
	addr(&pol[1].src, NULL, any6, 0);
	addr(&pol[1].dst, NULL, any6, 0);
	if (esp_dp_spd_replace(ESP_DP_DIR_IN, pol, 2))
		abort();
	/* the sealing side: the same key, encrypting */
	uint8_t key[16];
	memcpy(key, gcm_key, 16);
	struct rte_crypto_sym_xform x = { .type = RTE_CRYPTO_SYM_XFORM_AEAD };
	x.aead.op = RTE_CRYPTO_AEAD_OP_ENCRYPT;
	x.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	x.aead.key.data = key;
	x.aead.key.length = 16;
	x.aead.iv.offset = DP_CRYPTO_IV_OFFSET;
	x.aead.iv.length = 12;
	x.aead.digest_length = 16;
	x.aead.aad_length = 8;
	if (crypto_session_create(&x, &seal) != 0)
		abort();
	return 0;
}

static uint8_t *frame_v4(struct rte_mbuf *m, uint8_t proto, uint16_t l4_len)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, DP_ETH_LEN + 20);
	memset(p, 0, DP_ETH_LEN + 20);
	p[12] = 0x08;
	struct rte_ipv4_hdr *ip = (void *)(p + DP_ETH_LEN);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4_len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(0xc0000202);
	ip->dst_addr = rte_cpu_to_be_32(0xc0000201);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1600)
		return 0;
	uint8_t mode = data[0] & 3;
	data++;
	size--;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	if (!m)
		abort();
	if (mode == 0) {
		memcpy(rte_pktmbuf_append(m, (uint16_t)size), data, size);
	} else if (mode == 1) {
		size &= ~(size_t)3;	/* ESP payloads are 4-byte aligned for GCM */
		if (size < 4) {
			rte_pktmbuf_free(m);
			return 0;
		}
		frame_v4(m, IPPROTO_ESP, (uint16_t)(8 + 8 + size + 16));
		uint8_t *esp = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(8 + 8 + size + 16));
		uint32_t spi = rte_cpu_to_be_32(0x5001), seq = rte_cpu_to_be_32(1 + (data[0] & 63));
		memcpy(esp, &spi, 4);
		memcpy(esp + 4, &seq, 4);
		memset(esp + 8, 0x42, 8);
		memcpy(esp + 16, data, size);
		uint8_t iv[12], aad[8];
		memcpy(iv, gcm_key + 16, 4);
		memcpy(iv + 4, esp + 8, 8);
		memcpy(aad, esp, 8);
		struct rte_crypto_vec v = { .base = esp + 16, .len = (uint32_t)size, .tot_len = (uint32_t)size };
		struct rte_crypto_sgl sgl = { .vec = &v, .num = 1 };
		struct rte_crypto_va_iova_ptr ivp = { .va = iv }, aadp = { .va = aad }, dig = { .va = esp + 16 + size };
		int32_t st = 0;
		struct rte_crypto_sym_vec vec = { .num = 1, .src_sgl = &sgl, .iv = &ivp, .digest = &dig, .aad = &aadp,
						  .status = &st };
		crypto_process(&seal, &vec, &m, 0);
	} else if (mode == 2) {
		frame_v4(m, IPPROTO_ESP, (uint16_t)(4 + size));
		uint32_t spi = rte_cpu_to_be_32(0x5001);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(4 + size));
		memcpy(p, &spi, 4);
		memcpy(p + 4, data, size);
	} else {
		uint16_t l4 = (uint16_t)(8 + 4 + size);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DP_ETH_LEN + 40 + l4));
		memset(p, 0, DP_ETH_LEN + 40 + 8);
		p[12] = 0x86;
		p[13] = 0xdd;
		struct rte_ipv6_hdr *ip = (void *)(p + DP_ETH_LEN);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(l4);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, peer6, 16);
		memcpy(ip->dst_addr, local6, 16);
		uint8_t *udp = p + DP_ETH_LEN + 40;
		udp[0] = udp[2] = 0x11;
		udp[1] = udp[3] = 0x94;	/* 4500 */
		udp[4] = (uint8_t)(l4 >> 8);
		udp[5] = (uint8_t)l4;
		uint32_t spi = rte_cpu_to_be_32(0x5002);
		memcpy(udp + 8, &spi, 4);
		memcpy(udp + 12, data, size);
	}
	dp_process_burst(ESP_DP_ROLE_WAN, &m, 1);
	return 0;
}
