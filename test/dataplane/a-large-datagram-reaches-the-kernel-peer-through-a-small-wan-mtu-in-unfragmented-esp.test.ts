// Path MTU against the Linux kernel as the ESP peer, inside a User-Mode Linux guest. esplane's
// wan has MTU 1400; its SA is AES-CBC + HMAC-SHA256 with ESN over IPv4, so the largest inner
// packet that fits is ((1400 - 20 - 8 - 16 IV - 16 ICV) & ~15) - 2 = 1326 bytes.
//  - a 4000-byte UDP datagram without DF (its sender fragments it to the lan's 1500) crosses
//    to the kernel, which decrypts every ESP packet and reassembles the datagram intact; a
//    capture on the kernel's wire shows only ESP, none fragmented, none above 1400 bytes;
//  - a DF ping of 1500 bytes is answered with "fragmentation needed, mtu 1326", which the
//    sender's kernel takes into its route cache.
//
//  guest root ns                esplane-dp (wan mtu 1400)                   netns espdpk (kernel ESP)
//  dlan 10.1.0.1/24 ══TAP══ [net_tap lan] ⇄ [af_packet wan] dwan ──veth── kwan 192.0.2.2/24
//   (mtu 1500)               lan address 10.1.0.254                       lo  10.2.0.1
//
// The lan is a TAP, not af_packet: DPDK's af_packet sockets join a fanout group with
// PACKET_FANOUT_FLAG_DEFRAG, so the kernel would reassemble the sender's fragments into one
// 4028-byte frame before the dataplane saw them (and truncate it to the 2 KiB ring frame).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { runInUml } from '../helpers/uml.js';
import { kernelPeerConfig, kernelPeerXfrm } from './kernel-peer.js';
import { pcapFrames, runnerPath } from './harness.js';

const INNER_MAX = 1326;

const config = kernelPeerConfig({ mtu: 1400 }, { addresses: ['10.1.0.254/24'] });

// A receiver that writes the length and SHA-256 of every datagram, and a sender that never sets
// DF (IP_PMTUDISC_DONT) and sends three 4000-byte datagrams of a known pattern.
const receiver = `
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.2.0.1', 9000))
s.settimeout(30)
open(sys.argv[1] + '.ready', 'w').close()
with open(sys.argv[1], 'w') as out:
    for _ in range(3):
        try:
            d = s.recv(65535)
        except socket.timeout:
            break
        out.write(f'{len(d)} {hashlib.sha256(d).hexdigest()}\\n')
        out.flush()
`;
const sender = `
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: no DF
s.bind(('10.1.0.1', 0))
for _ in range(3):
    s.sendto(bytes(k % 251 for k in range(4000)), ('10.2.0.1', 9000))
    time.sleep(0.3)
`;

const script = `
set -u
fail() { echo "FAIL: $*"; echo "$*" >> "$OUT/failures"; }
ip -b - <<'IPCMDS'
netns add espdpk
link add dwan address 02:00:00:00:00:01 type veth peer name kwan address 02:00:00:00:00:02
link set kwan netns espdpk
link set dwan up
IPCMDS
for i in dwan; do sysctl -qw net.ipv6.conf.$i.disable_ipv6=1; done
# veths big enough that only esplane's MTU decides: a frame above 1400 would pass them
ip link set dwan mtu 9000
ip -n espdpk -b - <<IPCMDS
link set lo up
link set kwan mtu 9000 up
addr add 192.0.2.2/24 dev kwan
addr add 10.2.0.1/32 dev lo
route add 10.1.0.0/24 via 192.0.2.1 src 10.2.0.1
neigh add 192.0.2.1 lladdr 02:00:00:00:00:01 dev kwan nud permanent
${kernelPeerXfrm}
IPCMDS
# af_packet passes veth's partial checksums unfinished: the senders finish their own
ip netns exec espdpk ethtool -K kwan tx off > /dev/null
"$RUNNER" --config "$CONFIG" --stats-json "$OUT/stats.json" --log "$OUT/dp.log" -- --lcores=0@0,1@0 --no-pci --no-huge -m 256 \\
  --no-shconf --no-telemetry --vdev net_af_packet0,iface=dwan --vdev net_tap0,iface=dlan,mac=02:00:00:00:01:02 > "$OUT/runner.log" 2>&1 &
dp=$!
# the TAP exists once EAL is up (seconds on a loaded machine)
for i in $(seq 120); do ip link show dlan > /dev/null 2>&1 && break; sleep 0.5; done
sleep 1
# the sender's side of the TAP
ip -b - <<IPCMDS
link set dlan up
addr add 10.1.0.1/24 dev dlan
route add 10.2.0.0/24 via 10.1.0.254
neigh add 10.1.0.254 lladdr 02:00:00:00:01:01 dev dlan nud permanent
IPCMDS
ping -c 1 -W 10 10.2.0.1 > /dev/null 2>&1
# what reaches the kernel peer's wire, from here on
ip netns exec espdpk tcpdump -i kwan --immediate-mode -U -n -s 0 -w "$OUT/kwan.pcap" inbound 2> "$OUT/tcpdump.log" &
td=$!
for i in $(seq 120); do grep -q listening "$OUT/tcpdump.log" && break; sleep 0.5; done
# the 4000-byte datagrams, without DF
ip netns exec espdpk /usr/bin/python3 -c "$RECEIVER" "$OUT/received.txt" &
rx=$!
for i in $(seq 120); do [ -f "$OUT/received.txt.ready" ] && break; sleep 0.5; done
/usr/bin/python3 -c "$SENDER" || fail "sender"
wait $rx
# a DF ping of 1500 bytes: the error names the MTU, the sender's kernel caches it
ping -c 2 -W 3 -M do -s 1472 10.2.0.1 > "$OUT/ping-df.log" 2>&1
ip route get 10.2.0.1 > "$OUT/route.txt" 2>&1
sleep 2
kill $td; wait $td
kill -TERM $dp
wait $dp
echo "runner exit $?" >> "$OUT/runner.log"
[ -f "$OUT/failures" ] && exit 1
exit 0
`;

test('a 4000-byte datagram reaches the kernel peer in unfragmented ESP within the MTU, and a DF ping learns the MTU', async t => {
	mkdirSync('/var/tmp/esplane-uml', { recursive: true });
	const dir = mkdtempSync('/var/tmp/esplane-uml/espdp-pmtu-');
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
	const r = await runInUml(script, {
		timeoutMs: 170_000,
		env: { RUNNER: runnerPath, CONFIG: join(dir, 'config.json'), RECEIVER: receiver, SENDER: sender },
	});
	const out = (f: string) => {
		try {
			return readFileSync(join(r.outDir, f), 'utf8');
		} catch {
			return '';
		}
	};
	t.is(r.exitCode, 0, `${r.log}\n${out('runner.log')}\n${out('dp.log').slice(-2000)}`);

	const pattern = Buffer.from(Array.from({ length: 4000 }, (_, k) => k % 251));
	const { createHash } = await import('node:crypto');
	const want = `4000 ${createHash('sha256').update(pattern).digest('hex')}`;
	const got = out('received.txt').trim().split('\n').filter(Boolean);
	t.true(got.length >= 1, `datagrams received: ${got.length}\n${out('tcpdump.log')}\n${out('stats.json')}\n${out('ping-df.log')}\n${out('dp.log').slice(-3000)}`);
	t.true(got.every(l => l === want), `every datagram arrived whole and unchanged: ${got.join(', ')}`);

	const frames = pcapFrames(join(r.outDir, 'kwan.pcap'));
	const esp = frames.filter(f => f.readUInt16BE(12) === 0x0800 && f[23] === 50);
	// a datagram is two 1500-byte fragments in two pieces each and the 1068-byte rest in one;
	// tcpdump in the guest may miss some under load, so at least one datagram's worth
	t.true(esp.length >= 5, `ESP packets on the kernel's wire: ${esp.length}\n${out('tcpdump.log')}`);
	t.deepEqual(esp.filter(f => (f.readUInt16BE(20) & 0x3fff) !== 0), [], 'no ESP packet is a fragment');
	const largest = Math.max(...esp.map(f => f.readUInt16BE(16)));
	t.true(largest <= 1400, `largest ESP packet ${largest} bytes`);

	t.regex(out('ping-df.log'), new RegExp(`mtu = ${INNER_MAX}`), out('ping-df.log'));
	t.regex(out('route.txt'), new RegExp(`mtu ${INNER_MAX}`), out('route.txt'));
});
