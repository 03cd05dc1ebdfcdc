// What the agent's control socket answers: the shapes `esplane sa list`, `sp list`,
// `stats` and `tunnels` print. The agent fills them from what it observes (dataplane
// counters, XFRM, charon), never from what was requested.
import type { Direction, DpPolicy } from '../dataplane/types.js';

export interface SaRow {
	spi: string;
	dir: Direction;
	src: string;
	dst: string;
	/** e.g. "rfc4106(gcm(aes)) 128" */
	algorithm: string;
	encap: string | null;
	esn: boolean;
	packets: number | string;
	bytes: number | string;
	/** outbound: last sequence number sent; inbound: highest accepted */
	seq: number | string;
	/** unix seconds, 0 = never */
	lastUsed: number;
	/** the tunnel this SA belongs to, when the agent knows it */
	tunnel?: string;
	drops?: Record<string, number | string>;
	/** why the SA is in the kernel but not in the dataplane, if it is not */
	unprogrammable?: string;
}

export type SpRow = DpPolicy;

export interface TunnelRow {
	name: string;
	ike: string;
	children: number;
	spiIn: string | null;
	spiOut: string | null;
	algorithm: string | null;
	packetsIn: number | string;
	packetsOut: number | string;
	bytesIn: number | string;
	bytesOut: number | string;
	lastError?: string;
}

export interface StatsView {
	ports: Array<{ name: string; rxPackets: number | string; txPackets: number | string; rxBytes: number | string; txBytes: number | string; drops: number | string }>;
	drops: Record<string, number | string>;
	lcores?: Array<{ id: number; busyRatio: number }>;
}

/** Method names on the control socket. */
export const Methods = {
	tunnels: 'tunnels.list',
	saList: 'sa.list',
	saShow: 'sa.show',
	spList: 'sp.list',
	stats: 'stats',
} as const;
