// What the agent reports for one tunnel, computed from what the node observes — never from
// what was requested. Pure: (tunnel, observation, clock) → the agent-owned status fields and
// conditions. Established needs charon's IKE SA and at least one CHILD SA up AND every up
// CHILD SA installed in the dataplane; Ready needs traffic both ways within the window, or a
// recent DPD success; counters are the dataplane's.
import type { ChildSaStatus, IPsecTunnel, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import { condition, setConditions } from '../controller/conditions.js';
import type { ConditionUpdate } from '../controller/conditions.js';

/** One CHILD SA as charon reports it, plus whether the dataplane has both its SAs installed. */
export interface ObservedChildSa extends ChildSaStatus {
	installedInDataplane: boolean;
}

export interface ObservedTunnel {
	/** Where the tunnel's configuration/state is present — all false (or no entry) = gone. */
	presentIn: { strongswan: boolean; kernel: boolean; dataplane: boolean };
	ike?: { state: string; version: number; localId?: string; remoteId?: string; established?: string };
	childSas: ObservedChildSa[];
	/** Dataplane counters summed over the tunnel's SAs, and when traffic was last seen each way. */
	counters: { packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number; lastInAt?: Date; lastOutAt?: Date };
	dpdSucceededAt?: Date;
	/** Why programming failed, if it did. */
	error?: string;
}

export const isGone = (o: ObservedTunnel | undefined): boolean => !o || (!o.presentIn.strongswan && !o.presentIn.kernel && !o.presentIn.dataplane);

export interface AgentReportOptions {
	node: string;
	now: Date;
	/** Traffic (or DPD) older than this does not make a tunnel Ready. */
	readyWindowMs: number;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The agent's status for a tunnel it serves (or is removing). */
export function agentStatus(t: IPsecTunnel, observed: ObservedTunnel | undefined, programError: string | undefined, o: AgentReportOptions): IPsecTunnelStatus {
	const generation = t.metadata.generation ?? 0;
	const current = t.status ?? {};
	const updates: ConditionUpdate[] = [];
	const status: IPsecTunnelStatus = { ...current, agentNode: o.node };
	if (t.metadata.deletionTimestamp) {
		if (isGone(observed)) updates.push(condition('Programmed', 'Removed', `removed from strongSwan, kernel and dataplane on ${o.node}`, generation));
		status.conditions = setConditions(current.conditions, updates, o.now);
		return status;
	}
	const error = programError ?? observed?.error;
	const up = (observed?.childSas ?? []).filter((c) => c.state === 'INSTALLED');
	const missing = up.filter((c) => !c.installedInDataplane);
	if (error) {
		updates.push(condition('Programmed', 'ProgramFailed', error, generation));
		status.lastError = error;
	} else if (observed?.presentIn.strongswan) {
		updates.push(condition('Programmed', 'Programmed', `loaded into strongSwan on ${o.node}`, generation));
		delete status.lastError;
	}
	if (!observed?.ike || observed.ike.state !== 'ESTABLISHED') {
		updates.push(condition('Established', 'Connecting', `IKE SA ${observed?.ike?.state ?? 'absent'}`, generation));
	} else if (up.length === 0) {
		updates.push(condition('Established', 'ChildSaMissing', 'IKE SA established, no CHILD SA installed', generation));
	} else if (missing.length > 0) {
		updates.push(condition('Established', 'NotInDataplane', `CHILD SA ${missing.map((c) => c.name).join(', ')} up in charon but not installed in the dataplane`, generation));
	} else {
		updates.push(condition('Established', 'Established', `IKE SA and ${up.length} CHILD SA(s) up and installed`, generation));
	}
	const established = observed?.ike?.state === 'ESTABLISHED' && up.length > 0 && missing.length === 0;
	const recent = (d: Date | undefined): boolean => d !== undefined && o.now.getTime() - d.getTime() <= o.readyWindowMs;
	if (!established) updates.push(condition('Ready', 'NotEstablished', 'the tunnel is not established', generation));
	else if (recent(observed?.counters.lastInAt) && recent(observed?.counters.lastOutAt)) updates.push(condition('Ready', 'Ready', 'traffic seen in both directions recently', generation));
	else if (recent(observed?.dpdSucceededAt)) updates.push(condition('Ready', 'Ready', 'dead-peer detection succeeded recently', generation));
	else updates.push(condition('Ready', 'NoRecentTraffic', `no traffic both ways and no DPD success within ${Math.round(o.readyWindowMs / 1000)}s`, generation));
	status.conditions = setConditions(current.conditions, updates, o.now);
	if (observed?.ike) status.ike = observed.ike;
	else delete status.ike;
	status.childSas = (observed?.childSas ?? []).map(({ installedInDataplane: _installed, ...sa }) => sa);
	status.sas = up.length;
	if (observed) {
		const c = observed.counters;
		const last = [c.lastInAt, c.lastOutAt].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
		status.traffic = { packetsIn: c.packetsIn, packetsOut: c.packetsOut, bytesIn: c.bytesIn, bytesOut: c.bytesOut, ...(last ? { lastSeen: iso(last) } : {}) };
	}
	return status;
}

/** Status fields that change with every packet; the rest are state a person waits for. */
export function onlyCountersDiffer(a: IPsecTunnelStatus, b: IPsecTunnelStatus): boolean {
	const strip = (s: IPsecTunnelStatus): unknown => ({
		...s,
		traffic: undefined,
		childSas: s.childSas?.map((c) => ({ ...c, packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 })),
		conditions: s.conditions?.map((c) => ({ ...c, message: c.type === 'Ready' ? '' : c.message })),
	});
	return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
