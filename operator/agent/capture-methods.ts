// `capture.start/read/stop` and `trace` on the control socket: the dpdk dataplane's capture
// rings drained into JSON for `esplane capture` and `esplane trace N`. In kernel mode there is
// no dataplane to ask, and every method says so with the code needs_dpdk.
import type { DpPolicy, Direction } from '../dataplane/types.js';
import {
	type CaptureOptions, type CapturePoint, type CaptureStatusView, type TraceRecord, capturePoints,
	captureStatus, readCapture, readTrace, startCapture, startTrace, stopCapture, stopTrace, traceRemaining,
} from '../dataplane/capture.js';
import { Methods, NEEDS_DPDK, type CaptureReadResult, type CaptureStatusRow, type TraceResult, type TraceRow } from './control-api.js';
import { ControlError, type ControlServer } from './control-socket.js';

/** What the handlers need from the running dpdk dataplane besides the capture calls. */
export interface CaptureSource {
	portName(id: number): string;
	dropNames(): string[];
	/** the SPD of a direction in the order the dataplane indexes it */
	policies(dir: Direction): DpPolicy[];
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
const byTime = (a: { tsNs: bigint }, b: { tsNs: bigint }) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function intParam(params: Record<string, unknown>, name: string, max: number): number | undefined {
	const v = params[name];
	if (v === undefined || v === null) return undefined;
	const n = typeof v === 'string' ? Number(v) : v;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw new ControlError('bad_request', `${name}: an integer 0..${max}, not ${JSON.stringify(v)}`);
	return n;
}

/** {"0xc0ffee01" | "c0ffee01" | 3237998081} => the SPI as a number */
export function parseSpi(v: unknown): number | undefined {
	if (v === undefined || v === null || v === '') return undefined;
	const text = String(v);
	const n = /^0x[0-9a-f]{1,8}$/i.test(text) ? parseInt(text.slice(2), 16) : /^[0-9]+$/.test(text) ? Number(text) : /^[0-9a-f]{1,8}$/i.test(text) ? parseInt(text, 16) : NaN;
	if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) throw new ControlError('bad_request', `spi: '${text}' is not an SPI (0x1..0xffffffff)`);
	return n;
}

function statusRow(s: CaptureStatusView): CaptureStatusRow {
	return { armed: s.armed, point: s.point, captured: Number(s.captured), dropped: Number(s.dropped) };
}

export function policySummary(dir: Direction, index: number, p: DpPolicy | undefined): string {
	if (!p) return `${dir}#${index}`;
	const spi = p.action === 'protect' && p.spi ? ` ${p.spi}` : '';
	return `${dir}#${index} ${p.src} -> ${p.dst}${p.proto !== undefined ? ` ${p.proto}` : ''} ${p.action}${spi}`;
}

export function traceRow(r: TraceRecord, source: CaptureSource): TraceRow {
	const policy = r.policy !== undefined && r.policyDir ? policySummary(r.policyDir, r.policy, source.policies(r.policyDir)[r.policy]) : null;
	return {
		in: source.portName(r.portIn), class: r.class, src: r.src ?? null, dst: r.dst ?? null,
		proto: r.family ? r.proto : null, sport: r.family && (r.sport || r.dport) ? r.sport : null, dport: r.family && (r.sport || r.dport) ? r.dport : null,
		len: r.len, spi: r.spi ? hex(r.spi) : null, policy, result: r.verdict,
		...(r.portOut !== undefined ? { out: source.portName(r.portOut) } : {}), ...(r.drop ? { drop: r.drop } : {}),
	};
}

/** {server, the dpdk dataplane or undefined in kernel mode} => the four methods registered */
export function registerCaptureMethods(server: ControlServer, source: CaptureSource | undefined): ControlServer {
	if (!source) {
		const refuse = (what: string) => () => {
			throw new ControlError(NEEDS_DPDK, `${what} needs the dpdk dataplane: this agent runs with --dataplane kernel, where the kernel's ESP has no capture points ` +
				'(use tcpdump on the node\'s interfaces instead)');
		};
		return server.handle(Methods.captureStart, refuse('capture')).handle(Methods.captureRead, refuse('capture'))
			.handle(Methods.captureStop, refuse('capture')).handle(Methods.trace, refuse('trace'));
	}
	return server
		.handle(Methods.captureStart, params => {
			const point = params['point'];
			if (typeof point !== 'string' || !(capturePoints as readonly string[]).includes(point)) {
				throw new ControlError('bad_request', `point: one of ${capturePoints.join(', ')}, not ${JSON.stringify(point)}`);
			}
			const spi = parseSpi(params['spi']);
			const l4Port = intParam(params, 'port', 65535);
			const snaplen = intParam(params, 'snaplen', 65535);
			const count = intParam(params, 'count', 0xffffffff);
			const o: CaptureOptions = { point: point as CapturePoint, ...(spi ? { spi } : {}), ...(l4Port !== undefined ? { l4Port } : {}), ...(snaplen ? { snaplen } : {}), ...(count ? { count } : {}) };
			startCapture(o);
			return statusRow(captureStatus());
		})
		.handle(Methods.captureRead, (params): CaptureReadResult => {
			const max = intParam(params, 'max', 4096) || 256;
			// each worker's ring is in order; across workers the timestamps order them
			const records = readCapture(max).sort(byTime).map(r => ({
				tsNs: r.tsNs.toString(), origLen: r.origLen, point: r.point, l3: r.l3,
				...(r.port !== undefined ? { port: source.portName(r.port) } : {}), ...(r.spi ? { spi: hex(r.spi) } : {}),
				data: r.data.toString('base64'),
			}));
			return { records, status: statusRow(captureStatus()) };
		})
		.handle(Methods.captureStop, () => {
			stopCapture();
			return statusRow(captureStatus());
		})
		.handle(Methods.trace, async (params): Promise<TraceResult> => {
			const n = intParam(params, 'n', 100_000);
			if (!n) throw new ControlError('bad_request', 'n: how many packets to trace (1..100000)');
			const waitMs = intParam(params, 'waitMs', 600_000) ?? 3000;
			startTrace(n);
			const names = source.dropNames();
			const got: TraceRecord[] = [];
			const until = Date.now() + waitMs;
			while (got.length < n && Date.now() < until) {
				got.push(...readTrace(names, 256));
				if (got.length < n) await sleep(20);
			}
			// packets that did not come within the wait are not waited for by the next trace
			if (traceRemaining() > 0) stopTrace();
			got.sort(byTime); // stable: a burst shares its timestamp
			return { traces: got.slice(0, n).map(r => traceRow(r, source)), missing: Math.max(0, n - got.length), dropped: Number(captureStatus().traceDropped) };
		});
}
