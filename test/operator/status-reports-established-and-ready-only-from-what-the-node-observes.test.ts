// agentStatus as a table: Established needs charon's IKE and CHILD SAs AND the dataplane
// having the SAs; Ready needs traffic both ways recently or a DPD success; counters come from
// the observation; a tunnel being deleted reports Removed only when gone everywhere.
import test from 'ava';
import { agentStatus } from '../../operator/agent/status-observed.js';
import type { ObservedChildSa, ObservedTunnel } from '../../operator/agent/status-observed.js';
import { tunnel } from './fixtures.js';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number): Date => new Date(now.getTime() - s * 1000);
const sa = (over: Partial<ObservedChildSa> = {}): ObservedChildSa => ({ name: 'net', state: 'INSTALLED', spiIn: 'c1', spiOut: 'c2', protocol: 'ESP', encapsulated: false, localTs: ['10.1.0.0/24'], remoteTs: ['10.2.0.0/24'], packetsIn: 7, packetsOut: 9, bytesIn: 700, bytesOut: 900, installedInDataplane: true, ...over });
const observed = (over: Partial<ObservedTunnel> = {}): ObservedTunnel => ({
	presentIn: { strongswan: true, kernel: true, dataplane: true },
	ike: { state: 'ESTABLISHED', version: 2 },
	childSas: [sa()],
	counters: { packetsIn: 7, packetsOut: 9, bytesIn: 700, bytesOut: 900, lastInAt: ago(5), lastOutAt: ago(3) },
	...over,
});

const cases: { name: string; obs: ObservedTunnel | undefined; error?: string; want: Record<string, string> }[] = [
	{ name: 'up with traffic both ways is Established and Ready', obs: observed(), want: { Programmed: 'Programmed', Established: 'Established', Ready: 'Ready' } },
	{ name: 'IKE still connecting is not Established', obs: observed({ ike: { state: 'CONNECTING', version: 2 }, childSas: [] }), want: { Established: 'Connecting', Ready: 'NotEstablished' } },
	{ name: 'IKE up without CHILD SA is not Established', obs: observed({ childSas: [] }), want: { Established: 'ChildSaMissing', Ready: 'NotEstablished' } },
	{ name: 'a CHILD SA missing from the dataplane is not Established', obs: observed({ childSas: [sa({ installedInDataplane: false })] }), want: { Established: 'NotInDataplane', Ready: 'NotEstablished' } },
	{ name: 'traffic one way only is not Ready', obs: observed({ counters: { packetsIn: 0, packetsOut: 9, bytesIn: 0, bytesOut: 900, lastOutAt: ago(1) } }), want: { Established: 'Established', Ready: 'NoRecentTraffic' } },
	{ name: 'old traffic is not Ready', obs: observed({ counters: { packetsIn: 7, packetsOut: 9, bytesIn: 700, bytesOut: 900, lastInAt: ago(120), lastOutAt: ago(120) } }), want: { Ready: 'NoRecentTraffic' } },
	{ name: 'a recent DPD success is Ready without traffic', obs: observed({ counters: { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 }, dpdSucceededAt: ago(10) }), want: { Ready: 'Ready' } },
	{ name: 'a programming error is reported', obs: undefined, error: 'charon refused the connection', want: { Programmed: 'ProgramFailed', Established: 'Connecting' } },
];

for (const c of cases) {
	test(c.name, (t) => {
		const s = agentStatus({ ...tunnel('t'), metadata: { name: 't', generation: 3 } }, c.obs, c.error, { node: 'gw-1', now, readyWindowMs: 60_000 });
		for (const [type, reason] of Object.entries(c.want)) {
			const got = s.conditions?.find((x) => x.type === type);
			t.is(got?.reason, reason, type);
			t.is(got?.observedGeneration, 3);
		}
		t.is(s.agentNode, 'gw-1');
	});
}

test('counters and SAs in status are the observed ones', (t) => {
	const s = agentStatus(tunnel('t'), observed(), undefined, { node: 'gw-1', now, readyWindowMs: 60_000 });
	t.deepEqual(s.traffic, { packetsIn: 7, packetsOut: 9, bytesIn: 700, bytesOut: 900, lastSeen: '2026-01-01T11:59:57Z' });
	t.is(s.sas, 1);
	t.false('installedInDataplane' in (s.childSas?.[0] ?? {}));
});

test('a tunnel being deleted is reported Removed only when it is gone from strongSwan, kernel and dataplane', (t) => {
	const deleting = { ...tunnel('t'), metadata: { name: 't', deletionTimestamp: now.toISOString() } };
	const lingering = observed({ presentIn: { strongswan: false, kernel: true, dataplane: false } });
	t.is(agentStatus(deleting, lingering, undefined, { node: 'gw-1', now, readyWindowMs: 1 }).conditions?.find((c) => c.type === 'Programmed'), undefined);
	t.is(agentStatus(deleting, undefined, undefined, { node: 'gw-1', now, readyWindowMs: 1 }).conditions?.find((c) => c.type === 'Programmed')?.reason, 'Removed');
});
