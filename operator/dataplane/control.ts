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
}
