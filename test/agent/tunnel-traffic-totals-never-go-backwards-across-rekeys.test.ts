import test from 'ava';
import type { ObservedTunnel } from '../../operator/agent/k8s-agent.js';
import { TunnelTotals } from '../../operator/agent/tunnel-totals.js';

const child = (spiIn: string, spiOut: string, packets: number) => ({
	name: 'c', state: 'INSTALLED', spiIn, spiOut, protocol: 'ESP', encapsulated: false, localTs: [], remoteTs: [],
	packetsIn: packets, packetsOut: packets * 2, bytesIn: packets * 100, bytesOut: packets * 200, installedInDataplane: true,
});
const tunnel = (...children: ReturnType<typeof child>[]): ObservedTunnel => ({
	presentIn: { strongswan: true, kernel: true, dataplane: true }, childSas: children,
	counters: { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 },
});

test('a rekey replaces the SA and its counters restart, but the tunnel total keeps counting up', t => {
	const totals = new TunnelTotals();
	t.like(totals.update(new Map([['ns/a', tunnel(child('a1', 'b1', 10))]])).get('ns/a'), { packets: { in: 10, out: 20 }, childRekeys: 0 });
	// make-before-break: both SAs for a moment
	t.like(totals.update(new Map([['ns/a', tunnel(child('a1', 'b1', 15), child('a2', 'b2', 1))]])).get('ns/a'), { packets: { in: 16, out: 32 }, childRekeys: 0 });
	// the old SA is deleted: its last counters stay in the total
	t.like(totals.update(new Map([['ns/a', tunnel(child('a2', 'b2', 3))]])).get('ns/a'), { packets: { in: 18, out: 36 }, bytes: { in: 1800, out: 3600 }, childRekeys: 1 });
});

test('a tunnel going down keeps its total; a tunnel removed from the observation is forgotten', t => {
	const totals = new TunnelTotals();
	totals.update(new Map([['ns/a', tunnel(child('a1', 'b1', 10))]]));
	t.like(totals.update(new Map([['ns/a', tunnel()]])).get('ns/a'), { packets: { in: 10, out: 20 }, childRekeys: 0 });
	totals.update(new Map());
	t.like(totals.update(new Map([['ns/a', tunnel()]])).get('ns/a'), { packets: { in: 0, out: 0 } });
});
