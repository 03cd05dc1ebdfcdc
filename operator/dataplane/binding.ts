// The dataplane, in this process, through koffi: DataplaneControl over libesplane-dp's C ABI.
// Each method is one C call; a negative errno becomes a DataplaneError carrying the
// library's message. Buffers holding keys are zeroed as soon as the call returns.
import { createHash } from 'node:crypto';
import koffi from 'koffi';
import type { DataplaneControl, ForwardingControl, NeighborEntry, RouteEntry, SaCounters, SaKey } from './control.js';
import type { Direction, DpNeighbor, DpPolicy, DpPort, DpSa } from './types.js';
import { Addr, LcoreStats, Neighbor, Nexthop, Policy, Port, PortStats, Route, Sa, check, nativeApi, saStatsStruct, type Native } from './abi.js';
import { fromAddr, macBytes, policyToC, saToC, spiNumber, toAddr } from './convert.js';
import { DataplaneError } from './error.js';
import type { HostClient } from './remote.js';

export interface DataplaneOptions {
	/** EAL arguments (no program name): --no-pci with vdev ports, or an -a/--allow list of VFs */
	eal: string[];
	/** where DPDK logs go; stderr when absent */
	logPath?: string;
}

export interface PortCounters {
	port: number;
	rxPackets: bigint;
	rxBytes: bigint;
	txPackets: bigint;
	txBytes: bigint;
	/** frames handed to the port's exception TAP / written by the kernel on it and sent out */
	excToKernel: bigint;
	excFromKernel: bigint;
}

/** How one worker lcore spent its loop, cumulative (esp_dp_lcore_stats); see lcoreBusyRatios. */
export interface LcoreCounters {
	lcore: number;
	worker: number;
	/** passes over the worker's RX queues, and those that received or were handed packets */
	polls: bigint;
	busyPolls: bigint;
	/** TSC cycles of busy loops and of all loops */
	busyCycles: bigint;
	totalCycles: bigint;
	tscHz: bigint;
}

/** A next hop packets were dropped for (no_neighbor): the kernel should resolve it. */
export interface UnresolvedNexthop {
	ip: string;
	/** the dataplane port name */
	port: string;
}

function encodeArray(type: koffi.IKoffiCType, items: Record<string, unknown>[]): Buffer | null {
	if (items.length === 0) return null;
	const size = koffi.sizeof(type);
	const buf = Buffer.alloc(size * items.length);
	items.forEach((item, i) => koffi.encode(buf, i * size, type, item));
	return buf;
}

/** --no-pci, or an allow-list: EAL never probes every PCI device (the node's own NIC among them). */
export function boundedPciProbe(eal: readonly string[]): boolean {
	return eal.some(a => a === '--no-pci' || a === '-a' || a === '--allow' || a.startsWith('--allow=') || /^-a./.test(a));
}

const dirNumber = (dir: Direction) => (dir === 'in' ? 0 : 1);

const neighborKey = (n: Pick<NeighborEntry, 'ip' | 'port'>) => `${n.port}|${n.ip}`;

/** the stash key of an SA in a dataplane host (the XFRM mirror's dpKey shape) */
const saStashKey = (k: SaKey) => `sa|${spiNumber(k.spi) >>> 0}|${k.dir}|${k.dst}`;

let dropNamesOf: { api: Native; names: string[] } | undefined;

/**
 * {the encoded esp_dp_sa} => SHA-256 of it without its sequence state: what a dataplane host
 * keeps per installed SA, so an agent attaching later can tell the SA it wants from the one
 * there. Keys go into the hash, never into the stash themselves.
 */
function saFingerprint(buf: Buffer): string {
	const seq = koffi.offsetof(Sa, 'seq');
	const copy = Buffer.from(buf);
	copy.fill(0, seq, seq + 8);
	const fp = createHash('sha256').update(copy).digest('hex');
	copy.fill(0);
	return fp;
}

export class KoffiDataplane implements DataplaneControl, ForwardingControl {
	private readonly ports = new Map<string, number>();
	/** the forwarding state as last accepted by the library; the C side gets routes and
	 * neighbours as one table, so every change re-sends both */
	private routes: RouteEntry[] = [];
	private neighbors = new Map<string, NeighborEntry>();
	/** the SPD of each direction as last accepted: a trace record names a policy by index in it */
	private spd: Record<Direction, DpPolicy[]> = { in: [], out: [] };
	/** with a dataplane host: what this and earlier processes installed, as the host's stash holds it */
	private readonly host: HostClient | undefined;
	/** saStashKey => fingerprint of the SA installed under it (dataplane host only) */
	private readonly held = new Map<string, string>();

	private constructor(host?: HostClient) {
		this.host = host;
	}

	/** {options, the dataplane host when the library runs in one (abi.ts useNativeApi)} =>
	 * EAL started on the library's own thread; once per process (per host) */
	static start(options: DataplaneOptions, host?: HostClient): KoffiDataplane {
		// The library refuses unbounded PCI probing too; saying it here gives the clearer message first.
		if (!boundedPciProbe(options.eal)) throw new DataplaneError(-22, 'eal: pass --no-pci (vdev ports) or an explicit -a/--allow list of VFs');
		check(nativeApi().init(options.eal.length, options.eal, options.logPath ?? null));
		return new KoffiDataplane(host);
	}

	/**
	 * {a dataplane host whose library is initialised} => this process drives what an earlier
	 * one set up there, without touching it: the port names, forwarding tables and SA
	 * fingerprints come back from the host's stash. Nothing is sent to the library.
	 */
	static attach(host: HostClient): KoffiDataplane {
		const dp = new KoffiDataplane(host);
		const stash = host.stash();
		for (const [name, id] of Object.entries(JSON.parse(stash['ports'] ?? '{}') as Record<string, number>)) dp.ports.set(name, id);
		const fwd = JSON.parse(stash['forwarding'] ?? '{"routes":[],"neighbors":[]}') as { routes: RouteEntry[]; neighbors: NeighborEntry[] };
		dp.routes = fwd.routes;
		dp.neighbors = new Map(fwd.neighbors.map(n => [neighborKey(n), n]));
		for (const [k, v] of Object.entries(stash)) if (k.startsWith('sa|')) dp.held.set(k, v);
		return dp;
	}

	/** {} => the drop-reason names, in the order of the C table (read once per library) */
	static dropNames(): string[] {
		const api = nativeApi();
		if (dropNamesOf?.api !== api) dropNamesOf = { api, names: Array.from({ length: api.dropCount() }, (_, i) => api.dropName(i) ?? `drop_${i}`) };
		return [...dropNamesOf.names];
	}

	/** {port name} => its id, when this process added or attached to it */
	portId(name: string): number | undefined {
		return this.ports.get(name);
	}

	/**
	 * {sa} => whether the dataplane host holds exactly this SA (same fingerprint, any sequence
	 * state) under its key, installed by this or an earlier process: the XFRM mirror adopts it
	 * as it is instead of putting it again. Always false without a host.
	 */
	holds(sa: DpSa): boolean {
		if (!this.host) return false;
		const have = this.held.get(saStashKey(sa));
		if (have === undefined) return false;
		const buf = Buffer.alloc(koffi.sizeof(Sa));
		try {
			koffi.encode(buf, 0, Sa, saToC(sa));
			return saFingerprint(buf) === have;
		} finally {
			buf.fill(0);
		}
	}

	/** {key, value or null} => recorded in the host's stash together with the next library
	 * call, if that call succeeds */
	private noteWithNextCall(key: string, value: string | null): void {
		this.host?.noteNext(key, value);
	}

	addPort(port: DpPort): void {
		const addrs = (port.addresses ?? []).map((a, i) => toAddr(a.replace(/\/.*$/, ''), `ports.addresses[${i}]`));
		while (addrs.length < 4) addrs.push({ family: 0, prefix_len: 0, pad: [0, 0], addr: Array<number>(16).fill(0) });
		const buf = Buffer.alloc(koffi.sizeof(Port));
		koffi.encode(buf, 0, Port, {
			port_id: port.port, role: port.role === 'wan' ? 0 : 1, naddr: Math.min(port.addresses?.length ?? 0, 4),
			addr: addrs.slice(0, 4), name: port.name,
		});
		this.noteWithNextCall('ports', JSON.stringify({ ...Object.fromEntries(this.ports), [port.name]: port.port }));
		check(nativeApi().portAdd(buf));
		this.ports.set(port.name, port.port);
		if (port.exception !== undefined) check(nativeApi().portException(port.port, port.exception));
		if (port.mtu !== undefined) this.setPortMtu(port.name, port.mtu);
	}

	/** {port name, its addresses (with optional prefix lengths)} => the port's own addresses
	 * replaced, also while running (a node's wan address changed) */
	setPortAddresses(name: string, addresses: readonly string[]): void {
		const id = this.ports.get(name);
		if (id === undefined) throw new DataplaneError(-19, `ports: no port named "${name}"`);
		const size = koffi.sizeof(Addr);
		const buf = addresses.length ? Buffer.alloc(size * addresses.length) : null;
		addresses.forEach((a, i) => koffi.encode(buf!, i * size, Addr, toAddr(a.replace(/\/.*$/, ''), `ports.addresses[${i}]`)));
		check(nativeApi().portSetAddresses(id, buf, addresses.length));
	}

	/** {port name, mtu} => the port's MTU (576..9216), e.g. the kernel link MTU of its interface;
	 * also while running */
	setPortMtu(name: string, mtu: number): void {
		const id = this.ports.get(name);
		if (id === undefined) throw new DataplaneError(-19, `ports: no port named "${name}"`);
		check(nativeApi().portSetMtu(id, mtu));
	}

	/** {} => the next hops packets were dropped for since the last call, each once */
	unresolved(): UnresolvedNexthop[] {
		const size = koffi.sizeof(Nexthop);
		const cap = 64;
		const buf = Buffer.alloc(size * cap);
		const n = check(nativeApi().unresolved(buf, cap));
		const names = new Map([...this.ports].map(([name, id]) => [id, name]));
		return Array.from({ length: n }, (_, i) => {
			const h = koffi.decode(buf, i * size, Nexthop) as { ip: { family: number; addr: Uint8Array }; port_id: number };
			return { ip: fromAddr(h.ip), port: names.get(h.port_id) ?? String(h.port_id) };
		});
	}

	putSa(sa: DpSa): void {
		const buf = Buffer.alloc(koffi.sizeof(Sa));
		try {
			koffi.encode(buf, 0, Sa, saToC(sa));
			const key = saStashKey(sa);
			const fp = this.host ? saFingerprint(buf) : undefined;
			if (fp) this.noteWithNextCall(key, fp);
			check(nativeApi().saPut(buf));
			if (fp) this.held.set(key, fp);
		} finally {
			buf.fill(0);
		}
	}

	delSa(key: SaKey): void {
		const dst = Buffer.alloc(20);
		koffi.encode(dst, 0, 'esp_dp_addr', toAddr(key.dst, 'dst'));
		this.noteWithNextCall(saStashKey(key), null);
		check(nativeApi().saDel(spiNumber(key.spi), dirNumber(key.dir), dst));
		this.held.delete(saStashKey(key));
	}

	replacePolicies(dir: Direction, policies: DpPolicy[]): void {
		const items = policies.map((p, i) => {
			if (p.dir !== dir) throw new DataplaneError(-22, `policies[${i}].dir: not ${dir}`);
			return policyToC(p, i);
		});
		check(nativeApi().spdReplace(dirNumber(dir), encodeArray(Policy, items), items.length));
		this.spd[dir] = policies.map(p => ({ ...p }));
	}

	/** {dir} => the policies of that direction in the order the library holds them */
	appliedPolicies(dir: Direction): DpPolicy[] {
		return this.spd[dir].map(p => ({ ...p }));
	}

	/** {routes, and optionally all neighbours} => both tables replaced at once */
	replaceRoutes(routes: RouteEntry[], neighbors?: DpNeighbor[]): void {
		const next = neighbors ? new Map(neighbors.map(n => [neighborKey(n), { ...n }])) : this.neighbors;
		this.pushForwarding(routes, next);
	}

	listRoutes(): RouteEntry[] {
		return this.routes.map(r => ({ ...r }));
	}

	putNeighbor(n: NeighborEntry): void {
		const next = new Map(this.neighbors);
		next.set(neighborKey(n), { ...n });
		this.pushForwarding(this.routes, next);
	}

	delNeighbor(n: Pick<NeighborEntry, 'ip' | 'port'>): void {
		if (!this.neighbors.has(neighborKey(n))) return;
		const next = new Map(this.neighbors);
		next.delete(neighborKey(n));
		this.pushForwarding(this.routes, next);
	}

	listNeighbors(): NeighborEntry[] {
		return [...this.neighbors.values()].map(n => ({ ...n }));
	}

	/** {routes, neighbours} => sent to the library; kept here only once it accepted them.
	 * A neighbour still resolving (no MAC) is listed but not forwarded to. */
	private pushForwarding(routes: RouteEntry[], neighbors: Map<string, NeighborEntry>): void {
		const portId = (name: string, field: string) => {
			const id = this.ports.get(name);
			if (id === undefined) throw new DataplaneError(-22, `${field}: no port named "${name}"`);
			return id;
		};
		const none = { family: 0, prefix_len: 0, pad: [0, 0], addr: Array<number>(16).fill(0) };
		const r = routes.map((x, i) => ({
			dst: toAddr(x.dst, `routes[${i}].dst`, true),
			via: x.via ? toAddr(x.via, `routes[${i}].via`) : none,
			port_id: portId(x.port, `routes[${i}].port`), pad: 0,
		}));
		const resolved = [...neighbors.values()].filter((x): x is NeighborEntry & { mac: string } => x.mac !== undefined);
		const n = resolved.map((x, i) => ({
			ip: toAddr(x.ip, `neighbors[${i}].ip`), mac: macBytes(x.mac, `neighbors[${i}].mac`),
			port_id: portId(x.port, `neighbors[${i}].port`),
		}));
		this.noteWithNextCall('forwarding', JSON.stringify({ routes, neighbors: [...neighbors.values()] }));
		check(nativeApi().routesReplace(encodeArray(Route, r), r.length, encodeArray(Neighbor, n), n.length));
		this.routes = routes.map(x => ({ ...x }));
		this.neighbors = neighbors;
	}

	/** {} => workers polling the ports */
	run(): void {
		check(nativeApi().start());
	}

	/** {} => workers stopped (tables and SAs stay) */
	pause(): void {
		check(nativeApi().stop());
	}

	/** {} => workers stopped and ports closed; EAL itself lives until the process exits */
	shutdown(): void {
		check(nativeApi().shutdown());
	}

	listSas(): SaKey[] {
		return this.saCounters().map(({ spi, dir, dst }) => ({ spi, dir, dst }));
	}

	saCounters(): SaCounters[] {
		const type = saStatsStruct();
		const size = koffi.sizeof(type);
		const names = KoffiDataplane.dropNames();
		for (let cap = 64; ; cap *= 4) {
			const buf = Buffer.alloc(size * cap);
			const n = check(nativeApi().saStats(buf, cap));
			if (n === cap) continue;
			return Array.from({ length: n }, (_, i) => {
				const s = koffi.decode(buf, i * size, type) as {
					spi: number; dir: number; dst: { family: number; addr: Uint8Array };
					packets: bigint | number; bytes: bigint | number; last_used: bigint | number; seq: bigint | number;
					drops: ArrayLike<bigint | number>;
				};
				const drops: Record<string, bigint> = {};
				names.forEach((name, k) => (drops[name] = BigInt(s.drops[k] ?? 0)));
				const replayBitmap = s.dir === 0 ? this.replayBitmap(s.spi, s.dst) : undefined;
				return {
					...(replayBitmap ? { replayBitmap } : {}),
					spi: `0x${s.spi.toString(16)}` as const,
					dir: s.dir === 0 ? 'in' : 'out',
					dst: fromAddr(s.dst),
					packets: BigInt(s.packets),
					bytes: BigInt(s.bytes),
					lastUsed: Number(s.last_used),
					seq: BigInt(s.seq),
					drops,
				} satisfies SaCounters;
			});
		}
	}

	/** {inbound SA} => its replay window as XFRM's bitmap (bit i = top - i), or undefined */
	private replayBitmap(spi: number, dst: { family: number; addr: Uint8Array }): Uint32Array | undefined {
		const addr = Buffer.alloc(20);
		koffi.encode(addr, 0, 'esp_dp_addr', { family: dst.family, prefix_len: 0, pad: [0, 0], addr: Array.from(dst.addr) });
		const top = Buffer.alloc(8);
		const words = 1024; // 32768 bits, the largest window the dataplane accepts
		const bitmap = Buffer.alloc(words * 4);
		const bits = nativeApi().saReplay(spi, addr, top, bitmap, words);
		if (bits < 0) return undefined;
		return new Uint32Array(bitmap.buffer, bitmap.byteOffset, Math.ceil(bits / 32)).slice();
	}

	portCounters(): PortCounters[] {
		const size = koffi.sizeof(PortStats);
		const buf = Buffer.alloc(size * 8);
		const n = check(nativeApi().portStats(buf, 8));
		return Array.from({ length: n }, (_, i) => {
			const s = koffi.decode(buf, i * size, PortStats) as Record<string, number | bigint>;
			return {
				port: Number(s['port_id']), rxPackets: BigInt(s['rx_packets'] ?? 0), rxBytes: BigInt(s['rx_bytes'] ?? 0),
				txPackets: BigInt(s['tx_packets'] ?? 0), txBytes: BigInt(s['tx_bytes'] ?? 0),
				excToKernel: BigInt(s['exc_to_kernel'] ?? 0), excFromKernel: BigInt(s['exc_from_kernel'] ?? 0),
			};
		});
	}

	/** {} => every worker lcore's poll and cycle counters (the busy ratio's inputs) */
	lcoreCounters(): LcoreCounters[] {
		const size = koffi.sizeof(LcoreStats);
		const cap = 16;
		const buf = Buffer.alloc(size * cap);
		const n = check(nativeApi().lcoreStats(buf, cap));
		return Array.from({ length: n }, (_, i) => {
			const s = koffi.decode(buf, i * size, LcoreStats) as Record<string, number | bigint>;
			return {
				lcore: Number(s['lcore']), worker: Number(s['worker']), polls: BigInt(s['polls'] ?? 0), busyPolls: BigInt(s['busy_polls'] ?? 0),
				busyCycles: BigInt(s['busy_cycles'] ?? 0), totalCycles: BigInt(s['total_cycles'] ?? 0), tscHz: BigInt(s['tsc_hz'] ?? 0),
			};
		});
	}

	/** {} => dataplane-wide drops by reason name */
	dropCounters(): Record<string, bigint> {
		const names = KoffiDataplane.dropNames();
		const buf = Buffer.alloc(8 * names.length);
		check(nativeApi().dropStats(buf, names.length));
		return Object.fromEntries(names.map((name, i) => [name, buf.readBigUInt64LE(i * 8)]));
	}
}
