// esplane's ESP against the Linux kernel's, with the same SAs set on the kernel side by
// `ip xfrm`, inside a User-Mode Linux guest: ping and a TCP transfer cross in both directions.
// esplane -> kernel uses AES-CBC + HMAC-SHA256 with ESN (the high sequence bits in the ICV),
// kernel -> esplane uses AES-GCM-128.
//
//  netns espdph                 guest root ns: esplane-dp                 netns espdpk (kernel ESP)
//  hlan 10.1.0.1/24 ──veth── dlan [af_packet lan] ⇄ [af_packet wan] dwan ──veth── kwan 192.0.2.2/24
//                                                                                lo  10.2.0.1
//        clear 10.1.0.0/24 ⇄ 10.2.0.0/24            ESP 192.0.2.1 ⇄ 192.0.2.2
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { runInUml } from '../helpers/uml.js';
import { kernelPeerConfig, kernelPeerXfrm } from './kernel-peer.js';
import { nonZero, runnerPath, type Stats } from './harness.js';

const config = kernelPeerConfig();

// One comment and one command per step; failures are collected in $OUT/failures.
const script = `
set -u
fail() { echo "FAIL: $*"; echo "$*" >> "$OUT/failures"; }
ip -b - <<'IPCMDS'
netns add espdpk
netns add espdph
link add dwan address 02:00:00:00:00:01 type veth peer name kwan address 02:00:00:00:00:02
link add dlan address 02:00:00:00:01:01 type veth peer name hlan address 02:00:00:00:01:02
link set kwan netns espdpk
link set hlan netns espdph
link set dwan up
link set dlan up
IPCMDS
for i in dwan dlan; do sysctl -qw net.ipv6.conf.$i.disable_ipv6=1; done
# the kernel peer: its own ESP states and policies, a static neighbour for esplane's wan
ip -n espdpk -b - <<IPCMDS
link set lo up
link set kwan up
addr add 192.0.2.2/24 dev kwan
addr add 10.2.0.1/32 dev lo
route add 10.1.0.0/24 via 192.0.2.1 src 10.2.0.1 mtu 1400
neigh add 192.0.2.1 lladdr 02:00:00:00:00:01 dev kwan nud permanent
${kernelPeerXfrm}
IPCMDS
# the host behind esplane
ip -n espdph -b - <<IPCMDS
link set lo up
link set hlan mtu 1400 up
addr add 10.1.0.1/24 dev hlan
route add 10.2.0.0/24 via 10.1.0.254
neigh add 10.1.0.254 lladdr 02:00:00:00:01:01 dev hlan nud permanent
IPCMDS
# veth hands af_packet TCP with offloaded (partial) checksums; a NIC would have filled them
ip netns exec espdph ethtool -K hlan tx off > /dev/null
ip netns exec espdpk ethtool -K kwan tx off > /dev/null
# esplane on af_packet ports, two lcores on the guest's one CPU
"$RUNNER" --config "$CONFIG" --stats-json "$OUT/stats.json" --log "$OUT/dp.log" -- --lcores=0@0,1@0 --no-pci --no-huge -m 256 \\
  --no-shconf --no-telemetry --vdev net_af_packet0,iface=dwan --vdev net_af_packet1,iface=dlan > "$OUT/runner.log" 2>&1 &
dp=$!
sleep 2
# warm-up: the dataplane's first poll and the hosts' ARP; on a loaded machine the first
# packet can take longer than the measured pings allow
ip netns exec espdph ping -c 1 -W 10 10.2.0.1 > /dev/null 2>&1
# ping from behind esplane to behind the kernel, and back
ip netns exec espdph ping -c 3 -W 3 10.2.0.1 > "$OUT/ping-out.log" 2>&1 || fail "ping espdph -> 10.2.0.1"
ip netns exec espdpk ping -c 3 -W 3 -I 10.2.0.1 10.1.0.1 > "$OUT/ping-in.log" 2>&1 || fail "ping espdpk -> 10.1.0.1"
# TCP each way: the kernel side sends, then (-R) the esplane side sends
ip netns exec espdph iperf3 -s -D -B 10.1.0.1 -I "$OUT/iperf.pid" > /dev/null 2>&1
sleep 1
ip netns exec espdpk timeout 40 iperf3 -c 10.1.0.1 -B 10.2.0.1 -n 1M -J > "$OUT/tcp-in.json" 2>&1 || fail "tcp kernel -> esplane"
ip netns exec espdpk timeout 40 iperf3 -c 10.1.0.1 -B 10.2.0.1 -n 1M -R -J > "$OUT/tcp-out.json" 2>&1 || fail "tcp esplane -> kernel"
kill "$(cat "$OUT/iperf.pid")" 2>/dev/null
ip -n espdpk -s xfrm state > "$OUT/kernel-states.txt"
kill -TERM $dp
wait $dp
echo "runner exit $?" >> "$OUT/runner.log"
[ -f "$OUT/failures" ] && exit 1
exit 0
`;

test('ping and TCP cross between esplane and the kernel in both directions', async t => {
	mkdirSync('/var/tmp/esplane-uml', { recursive: true });
	const dir = mkdtempSync('/var/tmp/esplane-uml/espdp-kernel-'); // /tmp is a tmpfs inside the guest
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
	const r = await runInUml(script, { timeoutMs: 170_000, env: { RUNNER: runnerPath, CONFIG: join(dir, 'config.json') } });
	const out = (f: string) => {
		try {
			return readFileSync(join(r.outDir, f), 'utf8');
		} catch {
			return '';
		}
	};
	t.is(r.exitCode, 0, `${r.log}\n${out('runner.log')}\n${out('dp.log').slice(-2000)}\n${out('kernel-states.txt')}`);
	t.regex(out('ping-out.log'), /3 received/);
	t.regex(out('ping-in.log'), /3 received/);
	for (const f of ['tcp-in.json', 'tcp-out.json']) {
		// iperf3 exits 0 only when the whole 1 MiB went through; its receiver total is sampled early
		const j = JSON.parse(out(f)) as { end: { sum_sent: { bytes: number }; sum_received: { bytes: number } } };
		t.true(j.end.sum_sent.bytes >= 1024 * 1024, `${f}: ${j.end.sum_sent.bytes} bytes sent`);
		t.true(j.end.sum_received.bytes >= 512 * 1024, `${f}: ${j.end.sum_received.bytes} bytes received`);
	}
	const stats = JSON.parse(out('stats.json')) as Stats;
	t.is(stats.sas.length, 2);
	for (const sa of stats.sas) {
		t.true(sa.packets > 100, `SA ${sa.spi} ${sa.dir} carried ${sa.packets} packets`);
		t.deepEqual(nonZero(sa.drops), {}, `SA ${sa.spi} dropped nothing`);
	}
});
