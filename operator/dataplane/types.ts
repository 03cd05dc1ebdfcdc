// The dataplane's state objects as TypeScript sees them. Field names and value formats are
// exactly those of the manual-keying JSON contract (../shared/DESIGN.md, "Manual-keying
// configuration"), which follow `ip xfrm state`: a config file, the XFRM mirror and the
// koffi binding all speak this one shape.

/** "0x…" hexadecimal, as `ip xfrm state` prints SPIs and keys. */
export type Hex = `0x${string}`;

export type Direction = 'in' | 'out';

/** AEAD algorithm; for GCM and ChaCha20-Poly1305 the key ends with the 4-byte salt, as in XFRM. */
export interface AeadAlg {
	name: 'rfc4106(gcm(aes))' | 'rfc7539esp(chacha20,poly1305)';
	key: Hex;
	icvBits: number;
}

export interface EncAlg {
	name: 'cbc(aes)';
	key: Hex;
}

export interface AuthAlg {
	name: 'hmac(sha1)' | 'hmac(sha256)';
	key: Hex;
	truncBits: number;
}

/** RFC 3948 UDP encapsulation. */
export interface Encap {
	type: 'espinudp';
	sport: number;
	dport: number;
}

/** Hard/soft limits; absent means unlimited, as in the kernel. */
export interface Lifetime {
	hardBytes?: bigint | number;
	hardPackets?: bigint | number;
	softBytes?: bigint | number;
	softPackets?: bigint | number;
}

export interface DpSa {
	spi: Hex;
	dir: Direction;
	mode: 'tunnel';
	/** outer addresses, IPv4 or IPv6 */
	src: string;
	dst: string;
	aead?: AeadAlg;
	enc?: EncAlg;
	auth?: AuthAlg;
	/** anti-replay window in packets (0 = off); default 32 as in the kernel */
	replayWindow?: number;
	/** 64-bit extended sequence numbers */
	esn?: boolean;
	encap?: Encap;
	lifetime?: Lifetime;
	/** first outbound sequence number to use, or the inbound replay state to resume from */
	seq?: bigint | number;
	/** XFRM reqid, used to match policies' templates to SAs */
	reqid?: number;
	/** TCP SYNs crossing the SA (both directions) get their MSS option lowered to this; 0 = off */
	mssClamp?: number;
}

export type PolicyAction = 'protect' | 'bypass' | 'discard';

export interface DpPolicy {
	dir: Direction;
	src: string; // CIDR
	dst: string; // CIDR
	proto?: 'any' | 'tcp' | 'udp' | 'icmp' | 'ipv6-icmp' | number;
	sport?: number | [number, number];
	dport?: number | [number, number];
	action: PolicyAction;
	/** the SA a protect policy uses (outbound) or requires (inbound) */
	spi?: Hex;
	priority?: number;
	/** instead of spi, as an XFRM template: outbound uses the newest outbound SA of this reqid,
	 * inbound accepts any SA of it (so a rekeyed SA works the moment it is installed) */
	reqid?: number;
}

export interface DpPort {
	name: string;
	port: number;
	role: 'wan' | 'lan';
	addresses?: string[];
	/** the exception TAP's interface name (e.g. "esp-wan0"): the kernel's side of this wire */
	exception?: string;
	/** the largest IP packet the port sends (default 1500); on wan it bounds the ESP packets */
	mtu?: number;
}

export interface DpRoute {
	dst: string; // CIDR
	port: string; // port name
	via?: string;
}

export interface DpNeighbor {
	ip: string;
	mac: string;
	port: string;
}

/** The whole manual-keying configuration file. */
export interface DpConfig {
	ports: DpPort[];
	sas?: DpSa[];
	policies?: DpPolicy[];
	routes?: DpRoute[];
	neighbors?: DpNeighbor[];
}
