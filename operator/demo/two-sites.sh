#!/bin/sh
# The two-site topology of the demo and the end-to-end tests.
#
#   host-a                gw-a                      wan                     gw-b                 host-b
#  ┌────────┐  lan-a  ┌─────────────────────┐  ┌──────────────┐  ┌───────────────────┐ lan-b ┌────────┐
#  │10.1.0.2├─────────┤10.1.0.1   192.0.2.1 ├──┤wa0  br0   wb0├──┤192.0.2.2  10.2.0.1├───────┤10.2.0.2│
#  └────────┘         │ charon + esplane    │  │ a passive    │  │ charon + Linux    │       └────────┘
#                     │ agent (+ dataplane) │  │ bridge: the  │  │ kernel ESP        │
#                     └─────────────────────┘  │ capture point│  └───────────────────┘
#                                              └──────────────┘
#  with NAT=1 the middle is a masquerading router instead of a bridge:
#      gw-a 198.51.100.2 ── 198.51.100.1 wa0 [nat] wb0 192.0.2.3 ── 192.0.2.2 gw-b
#  Captures of "the wire" are taken on PREFIX-wan's wa0/wb0: no endpoint sees its own
#  decrypted packets there (the kernel re-injects decrypted ESP on the receiving interface).
#
# usage: two-sites.sh up|down PREFIX
#   PREFIX names the namespaces (PREFIX-ha, -ga, -wan, -gb, -hb) so runs never collide.
# Runs inside a kernel with ESP (a UML guest on our machines). Idempotent down.
set -eu
cmd=${1:?up|down}; p=${2:?prefix}

down() {
	for n in ha ga wan gb hb; do ip netns del "$p-$n" 2>/dev/null || true; done
}

up() {
	down
	for n in ha ga wan gb hb; do ip netns add "$p-$n"; done
	# Interfaces are created in the root namespace and moved; veth names avoid "a…" words
	# that ip parses as keywords ("ip link add a type veth" fails).
	ip -b - <<EOB
link add $p-ha0 type veth peer name $p-ga1
link add $p-gb1 type veth peer name $p-hb0
link set $p-ha0 netns $p-ha
link set $p-ga1 netns $p-ga
link set $p-gb1 netns $p-gb
link set $p-hb0 netns $p-hb
EOB
	ip -b - <<EOB
link add $p-ga0 type veth peer name $p-wa0
link add $p-wb0 type veth peer name $p-gb0
link set $p-ga0 netns $p-ga
link set $p-wa0 netns $p-wan
link set $p-wb0 netns $p-wan
link set $p-gb0 netns $p-gb
EOB
	ip -n "$p-wan" -b - <<EOB
link set lo up
link set $p-wa0 up
link set $p-wb0 up
EOB
	if [ "${NAT:-0}" = 1 ]; then
		ip -n "$p-wan" -b - <<EOB
addr add 198.51.100.1/24 dev $p-wa0
addr add 192.0.2.3/24 dev $p-wb0
EOB
		ip netns exec "$p-wan" sysctl -qw net.ipv4.ip_forward=1
		# iptables-legacy: Debian's UML kernel has no nftables NAT chain, but has iptable_nat.
		ip netns exec "$p-wan" iptables-legacy -t nat -A POSTROUTING -o "$p-wb0" -j MASQUERADE
		wan_a=198.51.100.2/24; gw_a_via=198.51.100.1
	else
		ip -n "$p-wan" -b - <<EOB
link add br0 type bridge
link set br0 up
link set $p-wa0 master br0
link set $p-wb0 master br0
EOB
		wan_a=192.0.2.1/24; gw_a_via=
	fi
	ip -n "$p-ha" -b - <<EOB
link set lo up
link set $p-ha0 up
addr add 10.1.0.2/24 dev $p-ha0
route add default via 10.1.0.1
EOB
	ip -n "$p-hb" -b - <<EOB
link set lo up
link set $p-hb0 up
addr add 10.2.0.2/24 dev $p-hb0
route add default via 10.2.0.1
EOB
	ip -n "$p-gb" -b - <<EOB
link set lo up
link set $p-gb0 up
link set $p-gb1 up
addr add 192.0.2.2/24 dev $p-gb0
addr add 10.2.0.1/24 dev $p-gb1
EOB
	ip netns exec "$p-gb" sysctl -qw net.ipv4.ip_forward=1
	# gw-a's interfaces get their addresses here in kernel mode; in dpdk mode the dataplane
	# takes ga0/ga1 over and the exception TAPs carry the addresses (GWA_DATAPLANE=dpdk).
	ip -n "$p-ga" -b - <<EOB
link set lo up
link set $p-ga0 up
link set $p-ga1 up
EOB
	if [ "${GWA_DATAPLANE:-kernel}" = kernel ]; then
		ip -n "$p-ga" addr add "$wan_a" dev "$p-ga0"
		ip -n "$p-ga" addr add 10.1.0.1/24 dev "$p-ga1"
		[ -n "$gw_a_via" ] && ip -n "$p-ga" route add 192.0.2.0/24 via "$gw_a_via"
	else
		# The dataplane owns ga0/ga1 through af_packet, which only taps the kernel's receive
		# path: the kernel must not also act on what arrives there (it would answer ARP for the
		# TAP's addresses and decrypt ESP a second time). An ingress drop runs after the
		# af_packet taps, so the dataplane still sees every frame; the kernel sees none. This
		# stands in for a VF bound to vfio-pci, which the kernel never sees at all.
		for i in ga0 ga1; do
			ip netns exec "$p-ga" sysctl -qw "net.ipv4.conf.$p-$i.arp_ignore=8" "net.ipv6.conf.$p-$i.disable_ipv6=1"
			ip netns exec "$p-ga" tc qdisc add dev "$p-$i" ingress
			ip netns exec "$p-ga" tc filter add dev "$p-$i" ingress matchall action drop
		done
		# A veth leaves TCP/UDP checksums to "hardware" and af_packet hands such frames to the
		# dataplane unfinished: the kernel behind the TAP (charon's IKE) or the far end of the
		# tunnel would drop them as corrupt. Everything that sends towards ga0/ga1 finishes its
		# checksums itself, as a real NIC would have.
		ip netns exec "$p-ha" ethtool -K "$p-ha0" tx off > /dev/null
		ip netns exec "$p-gb" ethtool -K "$p-gb0" tx off > /dev/null
		ip netns exec "$p-wan" ethtool -K "$p-wa0" tx off > /dev/null
		ip netns exec "$p-wan" ethtool -K "$p-wb0" tx off > /dev/null
	fi
	ip netns exec "$p-ga" sysctl -qw net.ipv4.ip_forward=1
	return 0
}

case $cmd in
	up) up ;;
	down) down ;;
	*) echo "usage: $0 up|down PREFIX" >&2; exit 2 ;;
esac
