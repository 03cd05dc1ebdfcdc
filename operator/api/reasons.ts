// Every reason esplane writes into an IPsecTunnel condition, in one table: which condition it
// belongs to, the status it implies, and whether it is a Warning Event when it appears. The
// operator, the agent, the Events they emit and the tests all take their strings from here.
import type { ConditionType } from './ipsectunnel.js';

type Status = 'True' | 'False' | 'Unknown';

export const REASONS = {
	// Accepted — owned by the operator.
	Accepted: { condition: 'Accepted', status: 'True', warning: false, summary: 'spec is valid, Secrets resolved, a gateway node serves it' },
	InvalidSpec: { condition: 'Accepted', status: 'False', warning: true, summary: 'the spec breaks a rule the CRD schema cannot express' },
	SecretNotFound: { condition: 'Accepted', status: 'False', warning: true, summary: 'a referenced Secret does not exist (retried with backoff)' },
	SecretKeyMissing: { condition: 'Accepted', status: 'False', warning: true, summary: 'a referenced Secret lacks the key' },
	// Programmed — the agent of the serving node, or the operator while there is none.
	Pending: { condition: 'Programmed', status: 'Unknown', warning: false, summary: 'waiting for the agent of the serving node' },
	NoEligibleNode: { condition: 'Programmed', status: 'False', warning: true, summary: 'no Ready node with a live agent matches gateway.nodeSelector' },
	NotAccepted: { condition: 'Programmed', status: 'False', warning: false, summary: 'not served while the tunnel is not Accepted' },
	Programmed: { condition: 'Programmed', status: 'True', warning: false, summary: 'strongSwan and the dataplane carry this generation' },
	ProgramFailed: { condition: 'Programmed', status: 'False', warning: true, summary: 'the agent could not program strongSwan or the dataplane' },
	Removed: { condition: 'Programmed', status: 'False', warning: false, summary: 'removed from strongSwan, kernel and dataplane (deletion)' },
	// Established — the agent, from what charon and the dataplane report.
	NotProgrammed: { condition: 'Established', status: 'False', warning: false, summary: 'not (yet) programmed on the serving node' },
	Established: { condition: 'Established', status: 'True', warning: false, summary: 'IKE and CHILD SAs up in charon and installed in the dataplane' },
	Connecting: { condition: 'Established', status: 'False', warning: false, summary: 'IKE SA not yet established' },
	ChildSaMissing: { condition: 'Established', status: 'False', warning: false, summary: 'IKE SA up but no CHILD SA installed' },
	NotInDataplane: { condition: 'Established', status: 'False', warning: true, summary: 'CHILD SAs up in charon but not installed in the dataplane' },
	// Ready — the agent.
	Ready: { condition: 'Ready', status: 'True', warning: false, summary: 'traffic seen in both directions recently, or DPD succeeded' },
	NotEstablished: { condition: 'Ready', status: 'False', warning: false, summary: 'the tunnel is not established' },
	NoRecentTraffic: { condition: 'Ready', status: 'False', warning: false, summary: 'no traffic both ways recently and no DPD success' },
} as const satisfies Record<string, { condition: ConditionType; status: Status; warning: boolean; summary: string }>;

export type Reason = keyof typeof REASONS;
export type ReasonOf<C extends ConditionType> = { [R in Reason]: (typeof REASONS)[R]['condition'] extends C ? R : never }[Reason];
