// Topology (operator/demo/two-sites.sh), the tunnel with spec.mssClamp 1200
// (examples/site-to-site.yaml, edited):
//   host-a ─ gw-a [dpdk dataplane, or kernel ESP + the agent's iptables TCPMSS] ══ wan ══ gw-b [Linux ESP] ─ host-b
// TCP is opened both ways; tcpdump on each host's own interface sees what the far side sent
// after crossing the tunnel: SYNs and SYN-ACKs from across carry MSS 1200, while the
// host's own, not yet through the tunnel, still carry the interface's 1460.
import { capture, scenario, sleep, type Facts } from './guest.js';
import type { TwoSites } from '../../operator/demo/sites.js';

const CLAMP = 1200;

/** {pcap} => per SYN / SYN-ACK: "src>dst S|SA mss" */
function syns(sites: TwoSites, ns: 'ha' | 'hb', file: string): string[] {
	const text = sites.exec(ns, ['sh', '-c', `tcpdump -nn -r ${file} 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null`]);
	return text.split('\n').filter(Boolean).map(l => {
		const m = /IP (\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.\d+: Flags \[(S\.?)\].*?mss (\d+)/.exec(l);
		return m ? `${m[1]}>${m[2]} ${m[3] === 'S' ? 'S' : 'SA'} ${m[4]}` : `unparsed: ${l}`;
	});
}

await scenario('mss-clamp', { configure: t => { t.spec.mssClamp = CLAMP; } }, async (sites: TwoSites, facts: Facts) => {
	await sites.waitEstablished(1, 90_000);
	// the clamp is in place once charon has said whose reqid the CHILD_SA has: dpdk, both SAs
	// carry it; kernel, the agent's mangle chain has a rule per direction for that reqid
	const deadline = Date.now() + 30_000;
	for (;;) {
		let done: boolean;
		if (sites.o.dataplane === 'dpdk') {
			const rows = await sites.sas();
			facts['clamp'] = rows.map(r => ({ spi: r.spi, dir: r.dir, mssClamp: r.mssClamp ?? null }));
			done = rows.filter(r => r.mssClamp === CLAMP).length >= 2;
		} else {
			let rules = '';
			try { rules = sites.exec('ga', ['sh', '-c', '${ESPLANE_IPTABLES:-iptables} -t mangle -S']); } catch (e) { rules = String(e); }
			facts['clamp'] = rules.split('\n').filter(l => l.includes('ESPLANE-MSS'));
			done = (rules.match(new RegExp(`--set-mss ${CLAMP}`, 'g')) ?? []).length >= 2;
		}
		if (done) break;
		if (Date.now() > deadline) throw new Error(`the clamp ${CLAMP} is not in place: ${JSON.stringify(facts['clamp'])}\n${sites.logs(40)}`);
		await sleep(200);
	}
	// next hops resolved before the SYNs (the first packet to an unresolved one is dropped)
	sites.exec('ha', ['sh', '-c', 'ping -c 2 -i 0.5 -W 2 10.2.0.2 || true']);
	sites.exec('hb', ['sh', '-c', 'ping -c 2 -i 0.5 -W 2 10.1.0.2 || true']);
	const atA = await capture(sites, 'ha', 'espe2e-ha0');
	const atB = await capture(sites, 'hb', 'espe2e-hb0');
	sites.spawnIn('hb', ['iperf3', '-s', '-B', '10.2.0.2']);
	sites.spawnIn('ha', ['iperf3', '-s', '-B', '10.1.0.2']);
	await sleep(300);
	facts['tcpAtoB'] = sites.exec('ha', ['iperf3', '-c', '10.2.0.2', '-t', '1']).includes('receiver');
	facts['tcpBtoA'] = sites.exec('hb', ['iperf3', '-c', '10.1.0.2', '-t', '1']).includes('receiver');
	facts['synsAtA'] = syns(sites, 'ha', await atA.stop());
	facts['synsAtB'] = syns(sites, 'hb', await atB.stop());
});
