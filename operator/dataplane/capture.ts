// Capture and trace through the C ABI (esp_dp_capture_* / esp_dp_trace_*): arm, drain the
// workers' rings into a Buffer, decode the records. Records are plain fixed-size structs
// (dataplane/include/esplane_dp.h); they are read field by field here rather than through
// koffi.decode, which would turn every 2 KiB data array into a JS array.
import koffi from 'koffi';
import { CAPTURE_REC_SIZE, CaptureConf, CaptureStatus, TRACE_REC_SIZE, check, nativeApi } from './abi.js';
import { fromAddr } from './convert.js';
import { DataplaneError } from './error.js';

export const capturePoints = ['wan-in', 'after-decrypt', 'before-encrypt', 'wan-out', 'lan-in', 'lan-out'] as const;
export type CapturePoint = (typeof capturePoints)[number];

export const traceClasses = ['malformed', 'esp-in', 'exception', 'lan'] as const;
export type TraceClass = (typeof traceClasses)[number];

export interface CaptureOptions {
	point: CapturePoint;
	/** only this SPI: the ESP header's at wan points, the SA's at decrypt/encrypt */
	spi?: number;
	/** only packets with this TCP/UDP source or destination port */
	l4Port?: number;
	/** bytes kept per packet (at most 2048) */
	snaplen?: number;
	/** packets, then the capture disarms itself; 0/absent = until stopped */
	count?: number;
}

export interface CaptureRecord {
	/** unix time in nanoseconds */
	tsNs: bigint;
	origLen: number;
	point: CapturePoint;
	/** true: data starts at the IP header (decrypt/encrypt points); false: at Ethernet */
	l3: boolean;
	/** port id received on / sent to; undefined inside the dataplane */
	port?: number;
	worker: number;
	/** the SA's SPI at decrypt/encrypt points */
	spi?: number;
	data: Buffer;
}

export interface CaptureStatusView {
	armed: boolean;
	point: CapturePoint;
	remaining: number;
	captured: bigint;
	/** matching packets not recorded because a ring was full (capture_dropped) */
	dropped: bigint;
	traceDropped: bigint;
}

export interface TraceRecord {
	tsNs: bigint;
	portIn: number;
	/** the port it was sent on; undefined when it was not */
	portOut?: number;
	class: TraceClass;
	/** to-kernel: written to the port's exception TAP */
	verdict: 'forwarded' | 'dropped' | 'held' | 'to-kernel';
	/** drop reason name (from the one drop table) when dropped */
	drop?: string;
	spi?: number;
	/** index in the SPD of policyDir, 0-based */
	policy?: number;
	policyDir?: 'in' | 'out';
	family: 0 | 4 | 6;
	proto: number;
	src?: string;
	dst?: string;
	sport: number;
	dport: number;
	len: number;
	worker: number;
}

const ANY_PORT = 0xffff;

export function startCapture(o: CaptureOptions): void {
	const point = capturePoints.indexOf(o.point);
	if (point < 0) throw new DataplaneError(-22, `capture point: '${String(o.point)}' is not one of ${capturePoints.join(', ')}`);
	const buf = Buffer.alloc(koffi.sizeof(CaptureConf));
	koffi.encode(buf, 0, CaptureConf, {
		point, pad: [0, 0, 0], spi: o.spi ?? 0, l4_port: o.l4Port ?? ANY_PORT, snaplen: o.snaplen ?? 0, count: o.count ?? 0,
	});
	check(nativeApi().captureStart(buf));
}

export function stopCapture(): void {
	check(nativeApi().captureStop());
}

/** {max} => up to max records drained from the workers' rings */
export function readCapture(max = 256): CaptureRecord[] {
	const buf = Buffer.alloc(CAPTURE_REC_SIZE * max);
	const n = check(nativeApi().captureRead(buf, max));
	return Array.from({ length: n }, (_, i) => {
		const o = i * CAPTURE_REC_SIZE;
		const caplen = buf.readUInt16LE(o + 12);
		const port = buf.readUInt16LE(o + 16);
		const spi = buf.readUInt32LE(o + 20);
		return {
			tsNs: buf.readBigUInt64LE(o), origLen: buf.readUInt32LE(o + 8), point: capturePoints[buf[o + 14]!] ?? 'wan-in',
			l3: buf[o + 15] === 1, ...(port !== ANY_PORT ? { port } : {}), worker: buf.readUInt16LE(o + 18),
			...(spi ? { spi } : {}), data: Buffer.from(buf.subarray(o + 24, o + 24 + caplen)),
		};
	});
}

export function captureStatus(): CaptureStatusView {
	const buf = Buffer.alloc(koffi.sizeof(CaptureStatus));
	check(nativeApi().captureStatus(buf));
	const s = koffi.decode(buf, CaptureStatus) as Record<string, number | bigint>;
	return {
		armed: Number(s['armed']) !== 0, point: capturePoints[Number(s['point'])] ?? 'wan-in', remaining: Number(s['remaining']),
		captured: BigInt(s['captured'] ?? 0), dropped: BigInt(s['dropped'] ?? 0), traceDropped: BigInt(s['trace_dropped'] ?? 0),
	};
}

export function startTrace(n: number): void {
	if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new DataplaneError(-22, `trace: packet count must be a positive integer, not ${n}`);
	check(nativeApi().traceStart(n));
}

/** {} => a running trace ended; its unread decisions discarded */
export function stopTrace(): void {
	check(nativeApi().traceStart(0));
}

export function traceRemaining(): number {
	return check(nativeApi().traceRemaining());
}

/** {drop names, max} => up to max decisions drained */
export function readTrace(dropNames: string[], max = 256): TraceRecord[] {
	const buf = Buffer.alloc(TRACE_REC_SIZE * max);
	const n = check(nativeApi().traceRead(buf, max));
	return Array.from({ length: n }, (_, i) => {
		const o = i * TRACE_REC_SIZE;
		const portOut = buf.readUInt16LE(o + 10);
		const verdict = (['forwarded', 'dropped', 'held', 'to-kernel'] as const)[buf[o + 13]!] ?? 'held';
		const drop = buf.readUInt16LE(o + 14);
		const spi = buf.readUInt32LE(o + 16);
		const policy = buf.readUInt32LE(o + 20);
		const family = buf[o + 25] as 0 | 4 | 6;
		const addr = (at: number) => fromAddr({ family, addr: buf.subarray(o + at, o + at + 16) });
		return {
			tsNs: buf.readBigUInt64LE(o), portIn: buf.readUInt16LE(o + 8), ...(portOut !== ANY_PORT ? { portOut } : {}),
			class: traceClasses[buf[o + 12]!] ?? 'malformed', verdict,
			...(verdict === 'dropped' ? { drop: dropNames[drop] ?? `drop_${drop}` } : {}),
			...(spi ? { spi } : {}),
			...(policy ? { policy: policy - 1, policyDir: buf[o + 24] === 0 ? 'in' as const : 'out' as const } : {}),
			family, proto: buf[o + 26]!, ...(family ? { src: addr(32), dst: addr(48) } : {}),
			sport: buf.readUInt16LE(o + 64), dport: buf.readUInt16LE(o + 66), len: buf.readUInt32LE(o + 28), worker: buf[o + 27]!,
		};
	});
}
