// What the agent needs from a dataplane, as an interface: the koffi binding implements it
// (operator/dataplane/binding.ts), tests hand in a fake. Declarative and idempotent:
// put replaces an existing object with the same key, del of a missing object is a no-op.
import type { Direction, DpPolicy, DpSa, Hex } from './types.js';

/** An SA is identified as in XFRM: SPI + direction + outer destination. */
export interface SaKey {
	spi: Hex;
	dir: Direction;
	dst: string;
}

/** What the dataplane observed on one SA, for the write-back into the kernel (XFRM_MSG_NEWAE). */
export interface SaCounters extends SaKey {
	packets: bigint;
	bytes: bigint;
	/** unix seconds of the last packet, 0 when none */
	lastUsed: number;
	/** outbound: last sequence number sent; inbound: highest sequence number accepted */
	seq: bigint;
	/** inbound: the replay bitmap, bit 0 = `seq`, bit i = `seq - i` (window bits) */
	replayBitmap?: Uint32Array;
	/** packets dropped on this SA, by drop-reason name */
	drops: Record<string, bigint>;
}

export interface DataplaneControl {
	/** {sa} => installed (or replaced); throws DataplaneError on invalid input */
	putSa(sa: DpSa): void;
	/** {key} => removed, keys zeroed after RCU quiescence */
	delSa(key: SaKey): void;
	/** {policies of one direction} => the SPD of that direction replaced atomically */
	replacePolicies(dir: Direction, policies: DpPolicy[]): void;
	/** {} => every installed SA's key */
	listSas(): SaKey[];
	/** {} => counters of every installed SA */
	saCounters(): SaCounters[];
	/** {sa} => the dataplane holds exactly this SA already (put by an earlier process; its
	 * sequence state aside), so it can be adopted without a put. Optional: false when absent. */
	holds?(sa: DpSa): boolean;
}

/** A next hop the dataplane forwards to: learned from the kernel's neighbour table. */
export interface NeighborEntry {
	ip: string;
	/** "02:00:00:00:00:02"; absent while the kernel is still resolving (INCOMPLETE) */
	mac?: string;
	/** the dataplane port name (e.g. "wan") */
	port: string;
}

/** A route the dataplane uses for outer (wan) or inner (lan) destinations. */
export interface RouteEntry {
	dst: string; // CIDR
	port: string;
	via?: string;
}

/**
 * The dataplane's forwarding state that the agent mirrors from the kernel (rtnetlink:
 * neighbours and routes of the exception interface). Same rules as DataplaneControl: put
 * replaces, del of a missing entry is a no-op; replaceRoutes swaps the whole table at once.
 */
export interface ForwardingControl {
	putNeighbor(n: NeighborEntry): void;
	delNeighbor(n: Pick<NeighborEntry, 'ip' | 'port'>): void;
	listNeighbors(): NeighborEntry[];
	replaceRoutes(routes: RouteEntry[]): void;
	listRoutes(): RouteEntry[];
}
