// Topology (operator/demo/two-sites.sh):
//   host-a ─ gw-a [charon + esplane agent] ══ wan ══ gw-b [charon + Linux ESP] ─ host-b
// A 1,000 packets/s UDP stream host-a → host-b runs while the CHILD SA is rekeyed one of
// three ways (REKEY_CASE): forced over VICI, by time (esp.lifetime, 1 minute: the shortest
// the API accepts), or by bytes (esp.lifeBytes — in dpdk mode this works only if the
// dataplane's counters reach the kernel). `none` is the baseline.
//
// What IPsec loses is counted where it happens: the XFRM error counters of both gateways'
// kernels (no SA for a packet, SA expired, policy without SA, …). The stream's own loss is
// recorded too, but a one-CPU guest on a busy machine drops UDP in socket buffers even
// without any rekey, so it is reported next to the baseline rather than asserted.
import { execFileSync } from 'node:child_process';
import { scenario, sleep } from './guest.js';
import type { TwoSites } from '../../operator/demo/sites.js';
import { callAgent } from '../../operator/cli/control-client.js';

const rekeyCase = process.env['REKEY_CASE'] ?? 'vici';

/** The kernel's IPsec drop counters of a gateway namespace (all non-zero lines). */
function xfrmDrops(sites: TwoSites, ns: 'ga' | 'gb'): Record<string, number> {
	const out: Record<string, number> = {};
	for (const line of sites.exec(ns, ['cat', '/proc/net/xfrm_stat']).split('\n')) {
		const m = /^(\w+)\s+(\d+)$/.exec(line.trim());
		if (m && m[2] !== '0') out[m[1]!] = Number(m[2]);
	}
	return out;
}

/** dpdk mode: the dataplane's drops on the IPsec path of gw-a (the kernel there carries none of the traffic) */
const IPSEC_DROPS = ['truncated', 'unknown_spi', 'replay', 'replay_too_old', 'auth_failed', 'bad_padding', 'bad_inner',
	'policy_mismatch', 'no_policy', 'no_sa', 'seq_exhausted', 'lifetime_expired', 'crypto_failed'];
async function dataplaneDrops(sites: TwoSites): Promise<Record<string, number>> {
	if (sites.o.dataplane !== 'dpdk') return {};
	const { drops } = (await callAgent('stats', {}, sites.socket)) as { drops: Record<string, number> };
	return Object.fromEntries(Object.entries(drops).filter(([k, v]) => IPSEC_DROPS.includes(k) && v !== 0));
}

await scenario(`rekey-${rekeyCase}`, {
	configure: t => {
		if (rekeyCase === 'time') t.spec.esp = { ...t.spec.esp, lifetime: '1m' };
		if (rekeyCase === 'bytes') t.spec.esp = { ...t.spec.esp, lifeBytes: 1_000_000 };
	},
}, async (sites, facts) => {
	const [up] = await sites.waitEstablished(1);
	const upAt = Date.now();
	facts['dropsBefore'] = { gwa: xfrmDrops(sites, 'ga'), gwb: xfrmDrops(sites, 'gb'), gwaDataplane: await dataplaneDrops(sites) };
	// A time-based rekey comes 54-60 s after the CHILD SA (rekey_time 60 s minus up to 10 %
	// jitter): start the stream shortly before that window.
	if (rekeyCase === 'time') await sleep(Math.max(0, 50_000 - (Date.now() - upAt)));
	const spiOut = async () => (await sites.sas()).filter(s => s.dir === 'out').map(s => s.spi);
	const seen = new Set<string>([up!.spiOut ?? '', ...(await spiOut())].filter(Boolean));
	sites.spawnIn('hb', ['iperf3', '-s', '-1', '-B', '10.2.0.2']);
	await sleep(300);
	const seconds = 16;
	// 100-byte datagrams at 800 kbit/s: 1,000 packets per second.
	const json = `${sites.o.work}/iperf.json`;
	const stream = new Promise<void>((resolve, reject) => {
		const child = sites.spawnIn('ha', ['sh', '-c', `iperf3 -c 10.2.0.2 -u -b 800k -l 100 -t ${seconds} -J > ${json}`]);
		child.once('exit', code => (code === 0 ? resolve() : reject(new Error(`iperf3 exited ${code}`))));
	});
	const t0 = Date.now();
	let forced = false;
	while (Date.now() - t0 < (seconds + 1) * 1000) {
		if (rekeyCase === 'vici' && !forced && Date.now() - t0 > 4000) {
			execFileSync('swanctl', ['--rekey', '--child', 'default/site-b', '--uri', `unix://${sites.gwa!.vici}`], { stdio: 'ignore' });
			forced = true;
		}
		for (const spi of await spiOut()) seen.add(spi);
		await sleep(250);
	}
	await stream;
	const result = JSON.parse(execFileSync('cat', [json], { encoding: 'utf8' })) as { end: { sum: { packets: number; lost_packets: number } } };
	facts['packets'] = result.end.sum.packets;
	facts['streamLost'] = result.end.sum.lost_packets;
	facts['outboundSpis'] = [...seen];
	facts['dropsAfter'] = { gwa: xfrmDrops(sites, 'ga'), gwb: xfrmDrops(sites, 'gb'), gwaDataplane: await dataplaneDrops(sites) };
});
