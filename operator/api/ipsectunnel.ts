// IPsecTunnel (esplane.io/v1alpha1): the one type users write. The CRD schema in crds/ is
// checked against this file, strongSwan configuration is rendered from it (VICI), and the
// agent's standalone mode reads the same objects from YAML files. Keep all three in step.

export const GROUP = 'esplane.io';
export const VERSION = 'v1alpha1';
export const KIND = 'IPsecTunnel';
export const PLURAL = 'ipsectunnels';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** A key of a Secret in the tunnel's namespace. */
export interface SecretKeyRef {
	name: string;
	key: string;
}

/** One side of the tunnel. */
export interface Endpoint {
	/** IP address or DNS name; `%any` on the remote side makes a hub/responder that accepts any peer. */
	address?: string;
	/** IKE identity: an IP, `@fqdn`, `user@fqdn`, or an X.509 DN. Defaults to the address. */
	id?: string;
	/** Protected subnets (traffic selectors), CIDRs. */
	subnets: string[];
	/** Narrow the selectors to one protocol (`tcp`, `udp`, `icmp`, or a number)… */
	protocol?: string;
	/** …and a port or port range (`443`, `1000-2000`). */
	ports?: string;
}

/** A spoke a hub accepts: its identity and the subnets behind it. */
export interface Spoke {
	id: string;
	subnets: string[];
}

export interface Auth {
	/** Pre-shared key from a Secret. */
	psk?: { secretRef: SecretKeyRef };
	/**
	 * X.509: a Secret of type kubernetes.io/tls (`tls.crt`, `tls.key`, optional `ca.crt`),
	 * e.g. one cert-manager issues.
	 */
	x509?: { secretName: string };
	/** EAP for remote-access clients (phones, laptops): users in a Secret (`user: password`). */
	eap?: { method: 'mschapv2' | 'md5'; usersSecretRef: { name: string } };
}

export interface IkeSettings {
	/** IKE version; 2 unless a peer only speaks IKEv1. */
	version?: 1 | 2;
	/** strongSwan proposal strings, e.g. `aes256-sha256-x25519`. */
	proposals?: string[];
	/** IKE SA lifetime before rekey, a duration (`4h`, `30m`). */
	lifetime?: string;
}

export interface EspSettings {
	/** strongSwan ESP proposal strings, e.g. `aes128gcm16-x25519` (PFS group) or `aes256-sha256`. */
	proposals?: string[];
	/** CHILD SA lifetime before rekey, a duration. */
	lifetime?: string;
	/** Rekey after this many bytes/packets (fed by the dataplane's counters). */
	lifeBytes?: number;
	lifePackets?: number;
	/** Anti-replay window in packets. */
	replayWindow?: number;
}

export interface DpdSettings {
	/** Dead-peer-detection interval, a duration; `0s` turns DPD off. */
	delay?: string;
	action?: 'restart' | 'clear' | 'trap';
}

export interface RemoteAccess {
	/** Virtual-IP pools handed to clients (CIDRs). */
	pools: string[];
	/** DNS servers pushed to clients. */
	dns?: string[];
}

export interface IPsecTunnelSpec {
	local: Endpoint;
	remote: Endpoint;
	/** Hub mode: `remote.address: %any` with one entry per spoke. */
	spokes?: Spoke[];
	auth: Auth;
	ike?: IkeSettings;
	esp?: EspSettings;
	dpd?: DpdSettings;
	/** `auto`: UDP-encapsulate when a NAT is detected; `force`: always; `off`: never. */
	natTraversal?: 'auto' | 'force' | 'off';
	/** Start the tunnel (`start`), wait for the peer (`add`), or start on traffic (`trap`). */
	startAction?: 'start' | 'add' | 'trap';
	/** Wan MTU the dataplane fragments and answers PMTU against. */
	mtu?: number;
	/** Clamp TCP MSS of SYNs through the tunnel (0 = off). */
	mssClamp?: number;
	/** Which nodes may serve the tunnel; one of them is active. */
	gateway?: { nodeSelector?: Record<string, string> };
	remoteAccess?: RemoteAccess;
	/** `dpdk`: the user-space dataplane; `kernel`: the kernel's own ESP. */
	dataplane?: 'dpdk' | 'kernel';
}

export type ConditionType = 'Accepted' | 'Programmed' | 'Established' | 'Ready';

export interface Condition {
	type: ConditionType;
	status: 'True' | 'False' | 'Unknown';
	reason: string;
	message: string;
	lastTransitionTime: string;
	observedGeneration?: number;
}

export interface ChildSaStatus {
	name: string;
	state: string;
	spiIn: string;
	spiOut: string;
	protocol: string;
	encapsulated: boolean;
	localTs: string[];
	remoteTs: string[];
	packetsIn: number;
	packetsOut: number;
	bytesIn: number;
	bytesOut: number;
}

export interface IPsecTunnelStatus {
	observedGeneration?: number;
	conditions?: Condition[];
	/** The node serving the tunnel, and why it was chosen or moved. */
	node?: string;
	nodeReason?: string;
	ike?: { state: string; version: number; localId?: string; remoteId?: string; established?: string };
	childSas?: ChildSaStatus[];
	/** Number of installed CHILD SAs (printer column). */
	sas?: number;
	traffic?: { packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number; lastSeen?: string };
	lastError?: string;
	/** The node whose agent wrote the observed fields (Programmed/Established/Ready, SAs, counters). */
	agentNode?: string;
	/** Version of the referenced Secrets the operator resolved; the agent reloads credentials when it changes. */
	credentialsVersion?: string;
}

export interface ObjectMeta {
	name: string;
	namespace?: string;
	uid?: string;
	resourceVersion?: string;
	generation?: number;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	finalizers?: string[];
	deletionTimestamp?: string;
	creationTimestamp?: string;
}

export interface IPsecTunnel {
	apiVersion: typeof API_VERSION;
	kind: typeof KIND;
	metadata: ObjectMeta;
	spec: IPsecTunnelSpec;
	status?: IPsecTunnelStatus;
}
