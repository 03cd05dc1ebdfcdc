// The koffi declarations of the dataplane's C ABI (dataplane/include/esplane_dp.h). Struct
// layouts are checked against the sizes the header _Static_asserts, so a drift fails loudly
// at load instead of corrupting memory. Structs cross the boundary as Buffers (koffi.encode /
// koffi.decode), which keeps every call's argument a plain pointer.
import koffi from 'koffi';
import { DataplaneError } from './error.js';
import { openLibrary } from './library.js';

/** ESPLANE_DP_ABI_VERSION of the header these declarations follow */
export const ABI_VERSION = 6;
export const ALG_NAME_LEN = 48;
export const KEY_MAX = 64;
export const PROTO_ANY = 0xffff;

export const Addr = koffi.struct('esp_dp_addr', {
	family: 'uint8_t',
	prefix_len: 'uint8_t',
	pad: koffi.array('uint8_t', 2),
	addr: koffi.array('uint8_t', 16),
});

export const Sa = koffi.struct('esp_dp_sa', {
	spi: 'uint32_t',
	dir: 'uint8_t',
	esn: 'uint8_t',
	encap: 'uint8_t',
	pad0: 'uint8_t',
	src: Addr,
	dst: Addr,
	encap_sport: 'uint16_t',
	encap_dport: 'uint16_t',
	replay_window: 'uint32_t',
	reqid: 'uint32_t',
	icv_bits: 'uint32_t',
	aead: koffi.array('char', ALG_NAME_LEN, 'String'),
	enc: koffi.array('char', ALG_NAME_LEN, 'String'),
	auth: koffi.array('char', ALG_NAME_LEN, 'String'),
	aead_key_len: 'uint32_t',
	enc_key_len: 'uint32_t',
	auth_key_len: 'uint32_t',
	mss_clamp: 'uint16_t',
	pad1: 'uint16_t',
	aead_key: koffi.array('uint8_t', KEY_MAX),
	enc_key: koffi.array('uint8_t', KEY_MAX),
	auth_key: koffi.array('uint8_t', KEY_MAX),
	seq: 'uint64_t',
	hard_bytes: 'uint64_t',
	hard_packets: 'uint64_t',
	soft_bytes: 'uint64_t',
	soft_packets: 'uint64_t',
});

export const Policy = koffi.struct('esp_dp_policy', {
	dir: 'uint8_t',
	action: 'uint8_t',
	proto: 'uint16_t',
	src: Addr,
	dst: Addr,
	sport_lo: 'uint16_t',
	sport_hi: 'uint16_t',
	dport_lo: 'uint16_t',
	dport_hi: 'uint16_t',
	spi: 'uint32_t',
	priority: 'uint32_t',
	reqid: 'uint32_t',
});

export const Port = koffi.struct('esp_dp_port', {
	port_id: 'uint16_t',
	role: 'uint8_t',
	naddr: 'uint8_t',
	addr: koffi.array(Addr, 4),
	name: koffi.array('char', 32, 'String'),
});

export const Route = koffi.struct('esp_dp_route', {
	dst: Addr,
	via: Addr,
	port_id: 'uint16_t',
	pad: 'uint16_t',
});

export const Neighbor = koffi.struct('esp_dp_neighbor', {
	ip: Addr,
	mac: koffi.array('uint8_t', 6),
	port_id: 'uint16_t',
});

export const CAPTURE_SNAP_MAX = 2048;
export const CaptureConf = koffi.struct('esp_dp_capture_conf', {
	point: 'uint8_t',
	pad: koffi.array('uint8_t', 3),
	spi: 'uint32_t',
	l4_port: 'uint16_t',
	snaplen: 'uint16_t',
	count: 'uint32_t',
});

export const CaptureStatus = koffi.struct('esp_dp_capture_status', {
	armed: 'uint8_t',
	point: 'uint8_t',
	pad: 'uint16_t',
	remaining: 'uint32_t',
	captured: 'uint64_t',
	dropped: 'uint64_t',
	trace_dropped: 'uint64_t',
});

/** Records are read field by field from the Buffer (capture.ts); these fix the sizes. */
export const CAPTURE_REC_SIZE = 24 + CAPTURE_SNAP_MAX;
export const TRACE_REC_SIZE = 72;

export const Nexthop = koffi.struct('esp_dp_nexthop', {
	ip: Addr,
	port_id: 'uint16_t',
	pad: 'uint16_t',
});

const DROP_SLOTS_MAX = 64; // the C side has ESP_DP_DROP_MAX; read its value at load

export interface Native {
	abiVersion: () => number;
	dropName: (i: number) => string | null;
	dropCount: () => number;
	lastError: () => string;
	init: (argc: number, argv: string[], log: string | null) => number;
	portAdd: (port: Buffer) => number;
	portException: (portId: number, ifname: string) => number;
	portSetAddresses: (portId: number, addr: Buffer | null, n: number) => number;
	unresolved: (out: Buffer, cap: number) => number;
	portSetMtu: (port: number, mtu: number) => number;
	saPut: (sa: Buffer) => number;
	saDel: (spi: number, dir: number, dst: Buffer) => number;
	spdReplace: (dir: number, policies: Buffer | null, n: number) => number;
	routesReplace: (routes: Buffer | null, n: number, neighbors: Buffer | null, m: number) => number;
	start: () => number;
	stop: () => number;
	shutdown: () => number;
	saStats: (out: Buffer, cap: number) => number;
	saReplay: (spi: number, dst: Buffer, top: Buffer, bitmap: Buffer, words: number) => number;
	portStats: (out: Buffer, cap: number) => number;
	lcoreStats: (out: Buffer, cap: number) => number;
	dropStats: (out: Buffer, cap: number) => number;
	captureStart: (conf: Buffer) => number;
	captureStop: () => number;
	captureRead: (out: Buffer, cap: number) => number;
	captureStatus: (out: Buffer) => number;
	traceStart: (n: number) => number;
	traceRead: (out: Buffer, cap: number) => number;
	traceRemaining: () => number;
}

/**
 * Every function of the C ABI: its prototype, and for each pointer parameter how many bytes
 * the C side reads or writes through it (a struct size, or [element size, index of the count
 * parameter]). The in-process binding only needs the prototypes; the dataplane host
 * (host.ts) uses the sizes to refuse a request whose Buffers are too short for the call,
 * and the RPC (rpc.ts) sends `const` pointers' contents one way and returns the others'.
 * Non-const pointers are outputs only, as esplane_dp.h declares them.
 */
export type BufferSize = number | readonly [elementBytes: number | (() => number), countArg: number];
export const NATIVE_DECLS: Record<keyof Native, readonly [proto: string, sizes?: Readonly<Record<number, BufferSize>>]> = {
	abiVersion: ['uint32_t esp_dp_abi_version(void)'],
	dropName: ['const char *esp_dp_drop_name(uint32_t)'],
	dropCount: ['uint32_t esp_dp_drop_count(void)'],
	lastError: ['const char *esp_dp_last_error(void)'],
	init: ['int esp_dp_init(int, const char **, const char *)'],
	portAdd: ['int esp_dp_port_add(const void *)', { 0: 116 }],
	portException: ['int esp_dp_port_exception(uint16_t, const char *)'],
	portSetAddresses: ['int esp_dp_port_set_addresses(uint16_t, const void *, uint32_t)', { 1: [20, 2] }],
	unresolved: ['int esp_dp_unresolved(void *, uint32_t)', { 0: [24, 1] }],
	portSetMtu: ['int esp_dp_port_set_mtu(uint16_t, uint32_t)'],
	saPut: ['int esp_dp_sa_put(const void *)', { 0: 456 }],
	saDel: ['int esp_dp_sa_del(uint32_t, uint8_t, const void *)', { 2: 20 }],
	spdReplace: ['int esp_dp_spd_replace(uint8_t, const void *, uint32_t)', { 1: [64, 2] }],
	routesReplace: ['int esp_dp_routes_replace(const void *, uint32_t, const void *, uint32_t)', { 0: [44, 1], 2: [28, 3] }],
	start: ['int esp_dp_start(void)'],
	stop: ['int esp_dp_stop(void)'],
	shutdown: ['int esp_dp_shutdown(void)'],
	saStats: ['int esp_dp_sa_stats(void *, uint32_t)', { 0: [() => koffi.sizeof(saStatsStruct()), 1] }],
	saReplay: ['int esp_dp_sa_replay(uint32_t, const void *, void *, void *, uint32_t)', { 1: 20, 2: 8, 3: [4, 4] }],
	portStats: ['int esp_dp_port_stats(void *, uint32_t)', { 0: [56, 1] }],
	lcoreStats: ['int esp_dp_lcore_stats(void *, uint32_t)', { 0: [48, 1] }],
	dropStats: ['int esp_dp_drop_stats(void *, uint32_t)', { 0: [8, 1] }],
	captureStart: ['int esp_dp_capture_start(const void *)', { 0: 16 }],
	captureStop: ['int esp_dp_capture_stop(void)'],
	captureRead: ['int esp_dp_capture_read(void *, uint32_t)', { 0: [CAPTURE_REC_SIZE, 1] }],
	captureStatus: ['int esp_dp_capture_status(void *)', { 0: 32 }],
	traceStart: ['int esp_dp_trace_start(uint32_t)'],
	traceRead: ['int esp_dp_trace_read(void *, uint32_t)', { 0: [TRACE_REC_SIZE, 1] }],
	traceRemaining: ['int esp_dp_trace_remaining(void)'],
};

let native: Native | undefined;
/** set when this process drives a dataplane host over its socket instead of loading the library */
let remote: Native | undefined;
let saStatsType: koffi.IKoffiCType | undefined;

/** {the Native of a dataplane host, or undefined} => what nativeApi() returns from now on */
export function useNativeApi(api: Native | undefined): void {
	remote = api;
}

/** {} => the library's functions: the remote host's when one is in use (useNativeApi),
 * else declared once per process from the loaded library; throws if layouts drifted */
export function nativeApi(): Native {
	if (remote) return remote;
	return localNativeApi();
}

/** {} => the library loaded into this process, whatever useNativeApi says (the host serves it) */
export function localNativeApi(): Native {
	if (native) return native;
	const lib = openLibrary();
	const checks: [string, koffi.IKoffiCType, number][] = [
		['esp_dp_addr', Addr, 20], ['esp_dp_sa', Sa, 456], ['esp_dp_policy', Policy, 64],
		['esp_dp_port', Port, 116], ['esp_dp_route', Route, 44], ['esp_dp_neighbor', Neighbor, 28],
		['esp_dp_capture_conf', CaptureConf, 16], ['esp_dp_capture_status', CaptureStatus, 32],
		['esp_dp_port_stats', PortStats, 56], ['esp_dp_nexthop', Nexthop, 24],
		['esp_dp_lcore_stats', LcoreStats, 48],
	];
	for (const [name, type, size] of checks) {
		if (koffi.sizeof(type) !== size) throw new Error(`${name}: koffi size ${koffi.sizeof(type)} != C size ${size}`);
	}
	const loaded = Object.fromEntries(Object.entries(NATIVE_DECLS).map(([name, [proto]]) => [name, lib.func(proto)]));
	native = loaded as unknown as Native;
	if (native.abiVersion() !== ABI_VERSION) throw new Error(`libesplane-dp has ABI ${native.abiVersion()}, this agent speaks ${ABI_VERSION}: rebuild the dataplane`);
	if (native.dropCount() > DROP_SLOTS_MAX) throw new Error('more drop reasons than the binding expects');
	return native;
}

/** {return of a C call} => it, or a DataplaneError with the library's message when negative */
export function check(rc: number): number {
	if (rc < 0) throw new DataplaneError(rc, nativeApi().lastError() || `dataplane call failed (${rc})`);
	return rc;
}

/** the per-SA counters struct; its drops array is as long as the library's drop table */
export function saStatsStruct(): koffi.IKoffiCType {
	saStatsType ??= koffi.struct('esp_dp_sa_stats', {
		spi: 'uint32_t',
		dir: 'uint8_t',
		stopped: 'uint8_t',
		pad: koffi.array('uint8_t', 2),
		dst: Addr,
		packets: 'uint64_t',
		bytes: 'uint64_t',
		last_used: 'uint64_t',
		seq: 'uint64_t',
		replay_window: 'uint32_t',
		pad1: 'uint32_t',
		drops: koffi.array('uint64_t', nativeApi().dropCount()),
	});
	return saStatsType;
}

export const PortStats = koffi.struct('esp_dp_port_stats', {
	port_id: 'uint16_t',
	pad: koffi.array('uint16_t', 3),
	rx_packets: 'uint64_t',
	rx_bytes: 'uint64_t',
	tx_packets: 'uint64_t',
	tx_bytes: 'uint64_t',
	exc_to_kernel: 'uint64_t',
	exc_from_kernel: 'uint64_t',
});

export const LcoreStats = koffi.struct('esp_dp_lcore_stats', {
	lcore: 'uint32_t',
	worker: 'uint16_t',
	pad: 'uint16_t',
	polls: 'uint64_t',
	busy_polls: 'uint64_t',
	busy_cycles: 'uint64_t',
	total_cycles: 'uint64_t',
	tsc_hz: 'uint64_t',
});

/** {} => the ABI version of the loaded libesplane-dp.so */
export function abiVersion(): number {
	return nativeApi().abiVersion();
}
