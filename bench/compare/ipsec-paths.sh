#!/bin/sh
# One iperf3 TCP run host-a → host-b through one of three IPsec paths between two gateways,
# for `npm run bench` (bench/compare/ipsec-paths.bench.ts). Same namespaces, addresses,
# MTUs, offloads and iperf3 run for every path, so the difference is the IPsec path:
#
#   PREFIX-ha              PREFIX-ga                         PREFIX-gb              PREFIX-hb
#  ┌─────────┐ ha0  ga1 ┌──────────────┐ ga0     gb0 ┌──────────────┐ gb1  hb0 ┌─────────┐
#  │10.1.0.2 ├─────────┤10.1.0.1       ├─────────────┤       10.2.0.1├─────────┤10.2.0.2 │
#  │ iperf3 -c│  veth   │    192.0.2.1  │ veth: ESP   │ 192.0.2.2     │  veth   │iperf3 -s│
#  └─────────┘ mtu 1400 └──────────────┘ AES-GCM-128  └──────────────┘ mtu 1400 └─────────┘
#
#   esplane   esplane-dp on each gateway, af_packet ports on ga0/ga1 (gb0/gb1), manual SAs in
#             its JSON config (DESIGN.md's contract). af_packet does not take packets from
#             the kernel, so the gateway veths stay unaddressed with arp_ignore, and hosts
#             and dataplanes use static neighbours.
#   libipsec  strongSwan's charon with kernel-libipsec on each gateway: IKEv2 PSK, ESP
#             aes128gcm16 in userspace over a TUN device (UDP-encapsulated: 5.9 always is).
#   kernel    the kernel's XFRM with the same manual SAs as esplane (`ip xfrm`); needs a
#             kernel with ESP (a UML guest on our machines).
#
# usage: ipsec-paths.sh VARIANT SECONDS OUTDIR [PREFIX]
# Writes OUTDIR/iperf.json (iperf3 -J) and OUTDIR/cpu.json (CPU seconds of the IPsec
# processes and of the whole machine during the run). Removes everything it made on exit.
set -eu
variant=${1:?esplane|libipsec|kernel}; seconds=${2:?seconds}; out=${3:?outdir}; p=${4:-bcmp-$$}
here=$(cd "$(dirname "$0")" && pwd)
runner=${ESPLANE_DP:-$here/../../dataplane/build/esplane-dp}
work=$(mktemp -d "${TMPDIR:-/tmp}/bcmp-XXXXXX")
mkdir -p "$out"

# The same AES-GCM-128 SAs for esplane and the kernel (key + 4-byte salt).
KEY_AB=0x$(printf '1a%.0s' $(seq 16))0a0b0c0d
KEY_BA=0x$(printf '2b%.0s' $(seq 16))0e0f1011
SPI_AB=0x1001
SPI_BA=0x2001
# Fixed MACs so static neighbours can be written down before anything runs.
MAC_HA=02:bc:00:00:01:02 MAC_GA1=02:bc:00:00:01:01 MAC_GA0=02:bc:00:00:00:01
MAC_GB0=02:bc:00:00:00:02 MAC_GB1=02:bc:00:00:02:01 MAC_HB=02:bc:00:00:02:02

pids=""
cleanup() {
	for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in $pids; do
		i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$pid" 2>/dev/null || true
	done
	for n in ha ga gb hb; do ip netns del "$p-$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Topology: four namespaces, three veth pairs, fixed MACs, hosts at MTU 1400 (room for ESP
# and UDP encapsulation without fragments), TX checksum offload off on the hosts (a veth
# hands af_packet partial checksums a NIC would fill) — for every variant alike.
for n in ha ga gb hb; do ip netns add "$p-$n"; done
ip -b - <<EOB
link add ha0 netns $p-ha address $MAC_HA type veth peer name ga1 netns $p-ga address $MAC_GA1
link add ga0 netns $p-ga address $MAC_GA0 type veth peer name gb0 netns $p-gb address $MAC_GB0
link add gb1 netns $p-gb address $MAC_GB1 type veth peer name hb0 netns $p-hb address $MAC_HB
EOB
ip -n "$p-ha" -b - <<EOB
link set lo up
link set ha0 mtu 1400 up
addr add 10.1.0.2/24 dev ha0
route add default via 10.1.0.1
EOB
ip -n "$p-hb" -b - <<EOB
link set lo up
link set hb0 mtu 1400 up
addr add 10.2.0.2/24 dev hb0
route add default via 10.2.0.1
EOB
ip netns exec "$p-ha" ethtool -K ha0 tx off >/dev/null
ip netns exec "$p-hb" ethtool -K hb0 tx off >/dev/null
for g in ga gb; do
	ip -n "$p-$g" link set lo up
	for i in 0 1; do ip -n "$p-$g" link set "${g}$i" up; done
	ip netns exec "$p-$g" sysctl -qw net.ipv4.ip_forward=1
done

# Gateways with kernel addresses (libipsec, kernel); esplane's stay bare.
addressed() {
	ip -n "$p-ga" -b - <<EOB
addr add 10.1.0.1/24 dev ga1
addr add 192.0.2.1/24 dev ga0
EOB
	ip -n "$p-gb" -b - <<EOB
addr add 10.2.0.1/24 dev gb1
addr add 192.0.2.2/24 dev gb0
EOB
}

# esplane-dp's manual-keying config for one gateway: $1 side (a|b).
dp_config() {
	if [ "$1" = a ]; then
		me=192.0.2.1 peer=192.0.2.2 mine=10.1.0.0/24 theirs=10.2.0.0/24 host=10.1.0.2 hostmac=$MAC_HA peermac=$MAC_GB0
		spi_out=$SPI_AB key_out=$KEY_AB spi_in=$SPI_BA key_in=$KEY_BA
	else
		me=192.0.2.2 peer=192.0.2.1 mine=10.2.0.0/24 theirs=10.1.0.0/24 host=10.2.0.2 hostmac=$MAC_HB peermac=$MAC_GA0
		spi_out=$SPI_BA key_out=$KEY_BA spi_in=$SPI_AB key_in=$KEY_AB
	fi
	aead() { echo "{\"name\": \"rfc4106(gcm(aes))\", \"key\": \"$1\", \"icvBits\": 128}"; }
	cat <<EOJ
{
  "ports": [{"name": "wan", "port": 0, "role": "wan", "addresses": ["$me/24"]}, {"name": "lan", "port": 1, "role": "lan"}],
  "sas": [
    {"spi": "$spi_out", "dir": "out", "mode": "tunnel", "src": "$me", "dst": "$peer", "aead": $(aead "$key_out"), "replayWindow": 64},
    {"spi": "$spi_in", "dir": "in", "mode": "tunnel", "src": "$peer", "dst": "$me", "aead": $(aead "$key_in"), "replayWindow": 64}
  ],
  "policies": [
    {"dir": "out", "src": "$mine", "dst": "$theirs", "action": "protect", "spi": "$spi_out"},
    {"dir": "in", "src": "$theirs", "dst": "$mine", "action": "protect", "spi": "$spi_in"}
  ],
  "routes": [{"dst": "$mine", "port": "lan"}, {"dst": "192.0.2.0/24", "port": "wan"}],
  "neighbors": [{"ip": "$host", "mac": "$hostmac", "port": "lan"}, {"ip": "$peer", "mac": "$peermac", "port": "wan"}]
}
EOJ
}

# ESP_CPUS="A B": the CPU each gateway's dataplane runs on (both lcores of one gateway share
# it; the worker busy-polls). Default: gw-a on 0, gw-b on the last CPU. af_packet rings of
# 4096 frames (the PMD's default is 512): on shared CPUs a worker is descheduled now and
# then, and a 512-frame ring overflowed into TCP retransmits (3,974 in 5 s; none with 4096).
start_esplane() {
	last=$(($(nproc) - 1))
	set -- ${ESP_CPUS:-0 $last}
	cpu_a=$1 cpu_b=$2
	for g in ga gb; do
		for i in 0 1; do ip netns exec "$p-$g" sysctl -qw "net.ipv4.conf.${g}$i.arp_ignore=8" "net.ipv6.conf.${g}$i.disable_ipv6=1"; done
	done
	# Hosts reach their gateway's lan port by a static neighbour (nothing answers ARP there).
	ip -n "$p-ha" neigh add 10.1.0.1 lladdr "$MAC_GA1" dev ha0 nud permanent
	ip -n "$p-hb" neigh add 10.2.0.1 lladdr "$MAC_GB1" dev hb0 nud permanent
	for side in a b; do
		g=g$side
		[ $side = a ] && cpu=$cpu_a || cpu=$cpu_b
		dp_config $side > "$work/$g.json"
		ip netns exec "$p-$g" "$runner" --config "$work/$g.json" --stats-json "$out/stats-$g.json" --log "$out/dp-$g.log" -- --no-pci --no-huge -m 256 \
			--no-shconf --no-telemetry "--lcores=0@$cpu,1@$cpu" \
			--vdev "net_af_packet0,iface=${g}0,framecnt=4096" --vdev "net_af_packet1,iface=${g}1,framecnt=4096" > "$out/runner-$g.log" 2>&1 &
		pids="$pids $!"
		ipsec_pids="$ipsec_pids $!"
	done
}

# charon with kernel-libipsec in gateway $1 (ga|gb).
start_charon() {
	g=$1
	mkdir -p "$work/$g/run"
	cat > "$work/$g/strongswan.conf" <<EOC
charon {
	# kernel-libipsec before kernel-netlink: libipsec does ESP, netlink only routes and addresses.
	# aesni first, as in Debian's default plugin order: without it ESP runs on the portable C AES
	# and GCM plugins, an order of magnitude slower (measured: 0.06 Gbit/s).
	load = aesni random nonce aes sha1 sha2 hmac gmp kdf gcm openssl kernel-libipsec kernel-netlink socket-default vici
	plugins { vici { socket = unix:///run/charon.vici } }
	filelog { bcmp { path = $out/charon-$g.log
		default = 1
		append = no
	} }
}
EOC
	ip netns exec "$p-$g" env STRONGSWAN_CONF="$work/$g/strongswan.conf" sh -c "mount --bind $work/$g/run /run && exec /usr/lib/ipsec/charon" > /dev/null 2>&1 &
	pids="$pids $!"
	ipsec_pids="$ipsec_pids $!"
	i=0
	while [ ! -S "$work/$g/run/charon.vici" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || { echo "charon in $g did not start" >&2; exit 1; }
		sleep 0.05
	done
}

# swanctl.conf of gateway $1: IKEv2 PSK, ESP aes128gcm16 between the two host subnets.
swanctl_conf() {
	if [ "$1" = ga ]; then me=192.0.2.1 peer=192.0.2.2 mine=10.1.0.0/24 theirs=10.2.0.0/24; else me=192.0.2.2 peer=192.0.2.1 mine=10.2.0.0/24 theirs=10.1.0.0/24; fi
	cat <<EOC
connections { bcmp { version = 2
	local_addrs = $me
	remote_addrs = $peer
	proposals = aes128-sha256-modp2048
	mobike = no
	local { auth = psk
		id = $me }
	remote { auth = psk
		id = $peer }
	children { bcmp { local_ts = $mine
		remote_ts = $theirs
		esp_proposals = aes128gcm16 } }
} }
secrets { ike-bcmp { secret = bench-only-psk } }
EOC
}

start_libipsec() {
	addressed
	for g in ga gb; do
		start_charon $g
		swanctl_conf $g > "$work/$g/swanctl.conf"
		swanctl --load-all --noprompt --file "$work/$g/swanctl.conf" --uri "unix://$work/$g/run/charon.vici" > /dev/null 2>&1
	done
	swanctl --initiate --child bcmp --timeout 30 --uri "unix://$work/ga/run/charon.vici" > "$out/initiate.log" 2>&1
}

start_kernel() {
	addressed
	for side in a b; do
		# Policies are looked up after routing: the far subnet needs a route (charon adds one itself).
		if [ $side = a ]; then g=ga me=192.0.2.1 peer=192.0.2.2 mine=10.1.0.0/24 theirs=10.2.0.0/24 so=$SPI_AB ko=$KEY_AB si=$SPI_BA ki=$KEY_BA
		else g=gb me=192.0.2.2 peer=192.0.2.1 mine=10.2.0.0/24 theirs=10.1.0.0/24 so=$SPI_BA ko=$KEY_BA si=$SPI_AB ki=$KEY_AB; fi
		ip -n "$p-$g" -b - <<EOB
xfrm state add src $me dst $peer proto esp spi $so reqid 1 mode tunnel replay-window 64 aead rfc4106(gcm(aes)) $ko 128
xfrm state add src $peer dst $me proto esp spi $si reqid 2 mode tunnel replay-window 64 aead rfc4106(gcm(aes)) $ki 128
xfrm policy add dir out src $mine dst $theirs tmpl src $me dst $peer proto esp mode tunnel reqid 1
xfrm policy add dir fwd src $theirs dst $mine tmpl src $peer dst $me proto esp mode tunnel reqid 2
xfrm policy add dir in src $theirs dst $mine tmpl src $peer dst $me proto esp mode tunnel reqid 2
route add $theirs via $peer
EOB
	done
}

# CPU seconds (user + system) of the IPsec processes and their threads, and of the machine.
proc_cpu() {
	t=0
	for pid in $ipsec_pids; do
		for task in /proc/"$pid"/task/*/stat; do
			[ -r "$task" ] || continue
			v=$(sed 's/.*) //' "$task" | awk '{print $12 + $13}')
			t=$((t + v))
		done
		# children: esplane-dp is exec'd by `ip netns exec`, charon by sh (exec): same pid
	done
	echo "$t"
}
machine_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

ipsec_pids=""
case $variant in
	esplane) start_esplane ;;
	libipsec) start_libipsec ;;
	kernel) start_kernel ;;
	*) echo "unknown variant $variant" >&2; exit 2 ;;
esac

# The path carries traffic before anything is measured (the dataplane's first poll, IKE).
ok=0
for _ in $(seq 40); do
	if ip netns exec "$p-ha" ping -c 1 -W 1 10.2.0.2 > /dev/null 2>&1; then ok=1; break; fi
done
if [ $ok = 0 ]; then
	for g in ga gb; do
		{ echo "--- $g"; ip -n "$p-$g" -s xfrm state; ip -n "$p-$g" xfrm policy; ip netns exec "$p-$g" cat /proc/net/xfrm_stat; ip -n "$p-$g" addr; ip -n "$p-$g" route show table all; } >> "$out/debug.txt" 2>&1
	done
	echo "$variant: no ping host-a -> host-b through the tunnel (diagnostics in $out/debug.txt)" >&2
	exit 1
fi

ip netns exec "$p-hb" iperf3 -s -1 -B 10.2.0.2 > /dev/null 2>&1 &
pids="$pids $!"
# The server listens before the client connects (a fixed sleep was too short in a busy guest).
i=0
until ip netns exec "$p-hb" ss -Hltn 'sport = :5201' | grep -q 5201; do
	i=$((i + 1)); [ $i -lt 400 ] || { echo "$variant: iperf3 server did not start" >&2; exit 1; }
	sleep 0.05
done
hz=$(getconf CLK_TCK)
c0=$(proc_cpu) m0=$(machine_busy) w0=$(date +%s.%N)
ip netns exec "$p-ha" timeout $((seconds + 30)) iperf3 -c 10.2.0.2 -t "$seconds" -O 1 -J > "$out/iperf.json"
c1=$(proc_cpu) m1=$(machine_busy) w1=$(date +%s.%N)
echo "$c0 $c1 $m0 $m1 $hz $w0 $w1 $(nproc) $seconds" | awk '{printf "{\"ipsecCpuSeconds\": %.2f, \"machineBusySeconds\": %.2f, \"wallSeconds\": %.2f, \"cpus\": %d, \"seconds\": %d}\n", ($2 - $1) / $5, ($4 - $3) / $5, $7 - $6, $8, $9}' > "$out/cpu.json"
