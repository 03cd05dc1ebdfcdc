/* esplane dataplane — every reason a packet can be dropped, named once.
 *
 * This X-macro table generates the C enum (ESP_DP_DROP_<NAME>), the names returned by
 * esp_dp_drop_name() (which TypeScript, Prometheus labels and the stats JSON use) and the
 * strings the tests assert on. Append only: the enum values are part of the ABI.
 *
 * X(name, description)
 */
#ifndef ESPLANE_DP_DROPS_H
#define ESPLANE_DP_DROPS_H

#define ESP_DP_DROPS(X) \
	X(malformed,        "L2/L3 headers unreadable or inconsistent lengths") \
	X(non_esp,          "not ESP arriving on a wan port that has no exception TAP") \
	X(truncated,        "ESP packet shorter than its SA's header, IV, block and ICV") \
	X(unknown_spi,      "no inbound SA for this SPI and destination") \
	X(replay,           "sequence number already received inside the window") \
	X(replay_too_old,   "sequence number older than the replay window") \
	X(auth_failed,      "ICV did not verify") \
	X(bad_padding,      "ESP padding bytes or pad length invalid after decryption") \
	X(bad_inner,        "decrypted next header is not IPv4/IPv6 or the inner packet is inconsistent") \
	X(policy_mismatch,  "decrypted packet does not match a protect policy of its SA") \
	X(no_policy,        "outbound packet matched no policy") \
	X(policy_discard,   "outbound packet matched a discard policy") \
	X(no_sa,            "protect policy whose SA is missing or not usable") \
	X(seq_exhausted,    "outbound sequence number space used up; SA stopped") \
	X(lifetime_expired, "SA past its hard byte or packet lifetime") \
	X(no_route,         "no route to the destination") \
	X(no_neighbor,      "no neighbour (MAC) for the next hop") \
	X(no_room,          "packet does not fit the buffer (multi-segment or no head/tailroom)") \
	X(crypto_failed,    "crypto device reported an error other than ICV mismatch") \
	X(tx_full,          "transmit queue full") \
	X(too_big,          "ESP form larger than the wan MTU and not fragmentable (IPv4 DF or IPv6); ICMP too-big sent back") \
	X(too_big_icmp_limited, "as too_big, but the ICMP error to the sender was suppressed by the rate limit") \
	X(not_local,        "wan packet neither ESP nor for this node: not handed to the kernel, which could route it in clear")

#endif
