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
	/** dpdk: TCP SYNs through this SA get their MSS lowered to this (the tunnel's spec.mssClamp); absent: no clamping */
	mssClamp?: number;
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
	ports: Array<{
		name: string; rxPackets: number | string; txPackets: number | string; rxBytes: number | string; txBytes: number | string; drops: number | string;
		/** frames handed to the port's exception TAP / sent from it out of the port */
		toKernel?: number | string; fromKernel?: number | string;
	}>;
	drops: Record<string, number | string>;
	/** dpdk mode: each worker lcore's busy ratio over the agent's last poll interval */
	lcores?: Array<{ id: number; busyRatio: number }>;
}

/** One packet as `capture.read` returns it; the CLI writes it into a pcap. */
export interface CaptureRow {
	/** unix time in nanoseconds, as a decimal string */
	tsNs: string;
	origLen: number;
	point: string;
	/** true: data starts at the IP header (the CLI puts an Ethernet header in front) */
	l3: boolean;
	port?: string;
	spi?: string;
	/** base64 of the captured bytes */
	data: string;
}

export interface CaptureStatusRow {
	armed: boolean;
	point: string;
	captured: number | string;
	/** packets that matched but found the ring full (capture_dropped) */
	dropped: number | string;
}

export interface CaptureReadResult {
	records: CaptureRow[];
	status: CaptureStatusRow;
}

/** One packet's path, as `esplane trace N` prints it. */
export interface TraceRow {
	in: string;
	class: string;
	src: string | null;
	dst: string | null;
	proto: number | null;
	sport: number | null;
	dport: number | null;
	len: number;
	spi: string | null;
	/** "in#0 10.2.0.0/16 -> 10.1.0.0/16 protect" */
	policy: string | null;
	/** to-kernel: written to the port's exception TAP (IKE, ARP, the node's own traffic) */
	result: 'forwarded' | 'dropped' | 'held' | 'to-kernel';
	/** the port it was sent on */
	out?: string;
	/** the drop reason, a name from the drop table */
	drop?: string;
}

export interface TraceResult {
	traces: TraceRow[];
	/** packets asked for but not seen before the wait ended */
	missing: number;
	/** decisions lost to a full ring */
	dropped: number | string;
}

/** Method names on the control socket. */
export const Methods = {
	tunnels: 'tunnels.list',
	saList: 'sa.list',
	saShow: 'sa.show',
	spList: 'sp.list',
	stats: 'stats',
	captureStart: 'capture.start',
	captureRead: 'capture.read',
	captureStop: 'capture.stop',
	trace: 'trace',
} as const;

/** The error code of capture and trace when the agent runs the kernel's ESP. */
export const NEEDS_DPDK = 'needs_dpdk';
