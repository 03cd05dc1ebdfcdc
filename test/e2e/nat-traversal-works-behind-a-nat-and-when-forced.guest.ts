// Topology: gw-a behind a masquerading router (NAT=1 in operator/demo/two-sites.sh):
//   host-a ─ gw-a 198.51.100.2 ── [wan: NAT 198.51.100.1 → 192.0.2.3] ── 192.0.2.2 gw-b ─ host-b
// Then, without NAT, `natTraversal: force` must encapsulate anyway.
import { capture, countPackets, scenario } from './guest.js';
import type { TwoSites } from '../../operator/demo/sites.js';

async function captureWhilePinging(sites: TwoSites, iface: string): Promise<{ ping: boolean; udpEsp: number; esp: number; plaintext: number }> {
	const c = await capture(sites, 'wan', iface);
	const ping = /, 0% packet loss/.test(sites.exec('ha', ['ping', '-c', '5', '-i', '0.2', '-W', '2', '10.2.0.2']));
	const cap = await c.stop();
	return {
		ping,
		udpEsp: countPackets(sites, 'wan', cap, 'udp port 4500 and udp[8:4] != 0'),
		esp: countPackets(sites, 'wan', cap, 'esp'),
		plaintext: countPackets(sites, 'wan', cap, 'net 10.1.0.0/24 or net 10.2.0.0/24'),
	};
}

const mode = process.env['NATT_CASE'] ?? 'nat';
await scenario(`natt-${mode}`, {
	nat: mode === 'nat',
	configure: t => {
		if (mode === 'nat') t.spec.local.address = '198.51.100.2';
		else t.spec.natTraversal = 'force';
	},
}, async (sites, facts) => {
	await sites.waitEstablished(1);
	// Both sides of the router: behind it (wa0) and on the Internet side (wb0).
	facts['inside'] = await captureWhilePinging(sites, `${sites.o.prefix}-wa0`);
	facts['outside'] = await captureWhilePinging(sites, `${sites.o.prefix}-wb0`);
	facts['sas'] = (await sites.sas()).map(s => ({ dir: s.dir, encap: s.encap }));
});
