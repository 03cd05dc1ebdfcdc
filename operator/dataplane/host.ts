// `esplane dataplane-host --socket PATH`: libesplane-dp in a process of its own, serving the
// library's C ABI over a UNIX socket (rpc.ts). The dataplane — EAL, ports, exception TAPs,
// SAs, SPD, routes — lives here and keeps forwarding while the agent that drives it is
// killed and restarted; a new agent attaches (host.hello says what is set up) instead of
// starting over.
//
// Besides the library's functions the host answers a few calls of its own:
//   host.hello              {pid, abi, initialised, running, spawned, ports, driver}
//   host.drive(pid)         this connection drives the host, or EBUSY naming the one that
//                           does (driver-seat.ts: one driver at a time; reads are open to all)
//   host.stashSet(key, v)   a small per-process note the agent keeps here (v null: removed);
//                           a library call can carry one too (`note`), kept only if it succeeds
//   host.stashGet()         all of them: what the agent installed (SA fingerprints, tables)
//   host.shutdown()         ports closed, TAPs gone, socket removed, process exits
// A request that is malformed or names an unknown function gets an error reply; a frame
// longer than MAX_FRAME closes that connection. The host itself never stops for bad input.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log/index.js';
import koffi from 'koffi';
import { localNativeApi, PortStats, type BufferSize } from './abi.js';
import { boundedPciProbe } from './binding.js';
import { DriverSeat, EBUSY, READ_ONLY } from './driver-seat.js';
import { declOf, decodePayload, encodeFrame, FrameReader, paramKinds, type Arg, type ReplyHeader, type RequestHeader } from './rpc.js';

/** where an agent looks for (or starts) its dataplane host, and where the chart's host container serves */
export const DEFAULT_DP_SOCKET = '/run/esplane/dataplane/dp.sock';

const EINVAL = 22;
const ENOSYS = 38;
const EALREADY = 114;

export interface HostOptions {
	socket: string;
	/** started by an agent (which then also stops it), not by a supervisor of its own */
	spawned: boolean;
	log: Logger;
	/** EAL started here before serving (the host's own VFs under Kubernetes); absent: the
	 * first client's init starts it */
	eal?: string[];
}

export interface HostState {
	pid: number;
	abi: number;
	initialised: boolean;
	running: boolean;
	spawned: boolean;
	/** ports the library has added (port ids) */
	ports: number[];
	/** the pid of the client driving the host (0: not known), null when none does */
	driver: number | null;
}

export interface DataplaneHost {
	server: Server;
	/** resolves when the host has shut down (host.shutdown, SIGTERM) */
	closed: Promise<void>;
	shutdown(): Promise<void>;
}

class RequestError extends Error {
	constructor(readonly errno: number, message: string) {
		super(message);
	}
}

/** {the socket path} => whether a process answers on it */
function answers(path: string): Promise<boolean> {
	return new Promise(resolve => {
		const s = connect(path);
		s.once('connect', () => { s.destroy(); resolve(true); });
		s.once('error', () => resolve(false));
	});
}

export async function startDataplaneHost(o: HostOptions): Promise<DataplaneHost> {
	const api = localNativeApi();
	const stash = new Map<string, string>();
	const state = { initialised: false, running: false };
	const log = o.log;

	const ports = (): number[] => {
		if (!state.initialised) return [];
		// the layout is abi.ts's, checked against the C header there
		const size = koffi.sizeof(PortStats);
		const buf = Buffer.alloc(size * 32);
		const n = api.portStats(buf, 32);
		return Array.from({ length: Math.max(n, 0) }, (_, i) => Number((koffi.decode(buf, i * size, PortStats) as { port_id: number }).port_id));
	};
	const seat = new DriverSeat(o.socket, log);
	const hello = (): HostState => ({ pid: process.pid, abi: api.abiVersion(), ...state, spawned: o.spawned, ports: ports(), driver: seat.driver ?? null });

	let shuttingDown: Promise<void> | undefined;
	let resolveClosed!: () => void;
	const closed = new Promise<void>(r => (resolveClosed = r));
	const connections = new Set<Socket>();
	/** {connection, fn, pid it says it has} => a driving call goes ahead only from the driver */
	const drive = (sock: Socket, fn: string, saidPid?: number): void => {
		if (READ_ONLY.has(fn)) return;
		const refused = seat.claim(sock, saidPid);
		if (refused) throw new RequestError(EBUSY, refused);
	};

	/** {request header, blob} => the reply frame. Buffers that came in are zeroed after the call. */
	const call = (sock: Socket, h: RequestHeader, blob: Buffer): { header: ReplyHeader; blobs: Buffer[] } => {
		if (typeof h.fn !== 'string' || !Array.isArray(h.args)) throw new RequestError(EINVAL, 'request: needs fn (string) and args (array)');
		if (h.fn.startsWith('host.')) return { header: hostCall(sock, h.fn, h.args), blobs: [] };
		const decl = declOf(h.fn);
		if (!decl) throw new RequestError(ENOSYS, `${h.fn}: no such function in the dataplane ABI`);
		drive(sock, h.fn);
		const [proto, sizes = {}] = decl;
		const kinds = paramKinds(proto);
		const note = h.note === undefined ? undefined : checkNote(h.note);
		if (h.args.length !== kinds.length) throw new RequestError(EINVAL, `${h.fn}: takes ${kinds.length} arguments, got ${h.args.length}`);
		const values: unknown[] = [];
		const ins: Buffer[] = [];
		const outs: Buffer[] = [];
		let at = 0;
		try {
			kinds.forEach((kind, i) => {
				const a = h.args[i] as Record<string, unknown> | null;
				const bad = () => new RequestError(EINVAL, `${h.fn}: argument ${i} must be ${kind}`);
				if (typeof a !== 'object' || a === null) throw bad();
				if (a['n'] === true && kind !== 'int' && kind !== 'strings') { values.push(null); return; }
				switch (kind) {
					case 'int':
						if (!Number.isInteger(a['i'])) throw bad();
						values.push(a['i']);
						return;
					case 'string':
						if (typeof a['s'] !== 'string') throw bad();
						values.push(a['s']);
						return;
					case 'strings':
						if (!Array.isArray(a['a']) || !a['a'].every(x => typeof x === 'string')) throw bad();
						values.push(a['a']);
						return;
					case 'in': {
						const len = a['in'];
						if (!Number.isInteger(len) || (len as number) < 0 || at + (len as number) > blob.length) throw bad();
						const b = Buffer.from(blob.subarray(at, at + (len as number)));
						at += len as number;
						ins.push(b);
						values.push(b);
						return;
					}
					case 'out': {
						const len = a['out'];
						if (!Number.isInteger(len) || (len as number) < 0 || (len as number) > 256 << 20) throw bad();
						const b = Buffer.alloc(len as number);
						outs.push(b);
						values.push(b);
						return;
					}
				}
			});
			if (at !== blob.length) throw new RequestError(EINVAL, `${h.fn}: ${blob.length - at} bytes after the last buffer`);
			for (const [idx, size] of Object.entries(sizes) as Array<[string, BufferSize]>) {
				const v = values[Number(idx)];
				const count = Array.isArray(size) ? Number(values[size[1]]) : 1;
				const elem = Array.isArray(size) ? (typeof size[0] === 'function' ? size[0]() : size[0]) : (size as number);
				if (v === null) {
					// the library checks NULL where it allows it; an array may be NULL when empty
					if (Array.isArray(size) ? count === 0 : kinds[Number(idx)] === 'in') continue;
					throw new RequestError(EINVAL, `${h.fn}: argument ${idx} must not be NULL`);
				}
				if ((v as Buffer).length < elem * count) {
					throw new RequestError(EINVAL, `${h.fn}: argument ${idx} has ${(v as Buffer).length} bytes, the call needs ${elem * count}`);
				}
			}
			const fn = (api as unknown as Record<string, (...args: unknown[]) => number | string | null>)[h.fn]!;
			const rc = fn(...values);
			const header: ReplyHeader = { rc };
			if (typeof rc === 'number' && rc < 0) header.err = api.lastError() || `${h.fn} failed (${rc})`;
			if (note && (typeof rc !== 'number' || rc >= 0)) {
				if (note[1] === null) stash.delete(note[0]); else stash.set(note[0], note[1]);
			}
			if (h.fn === 'init' && (rc === 0 || rc === -EALREADY)) state.initialised = true;
			if (h.fn === 'start' && rc === 0) state.running = true;
			if ((h.fn === 'stop' || h.fn === 'shutdown') && rc === 0) state.running = false;
			return { header, blobs: outs };
		} finally {
			for (const b of ins) b.fill(0);
		}
	};

	const checkNote = (n: unknown): [string, string | null] => {
		if (!Array.isArray(n) || n.length !== 2 || typeof n[0] !== 'string' || n[0].length < 1 || n[0].length > 256
			|| (n[1] !== null && (typeof n[1] !== 'string' || n[1].length > 1 << 20))) {
			throw new RequestError(EINVAL, 'note: [key of 1..256 characters, value up to 1 MiB or null]');
		}
		return n as [string, string | null];
	};

	const hostCall = (sock: Socket, fn: string, args: Arg[]): ReplyHeader => {
		const str = (i: number): string | null => {
			const a = args[i] as Record<string, unknown> | undefined;
			if (a && typeof a['s'] === 'string') return a['s'];
			if (a && a['n'] === true) return null;
			throw new RequestError(EINVAL, `${fn}: argument ${i} must be a string or null`);
		};
		switch (fn) {
			case 'host.hello':
				return { rc: 0, value: hello() };
			case 'host.stashGet':
				return { rc: 0, value: Object.fromEntries(stash) };
			case 'host.drive': {
				const pid = (args[0] as Record<string, unknown> | undefined)?.['i'];
				drive(sock, fn, Number.isInteger(pid) && (pid as number) > 0 ? pid as number : undefined);
				return { rc: 0 };
			}
			case 'host.stashSet': {
				drive(sock, fn);
				const key = str(0);
				const value = str(1);
				if (key === null || key.length > 256 || (value?.length ?? 0) > 1 << 20) throw new RequestError(EINVAL, `${fn}: key of 1..256 characters, value up to 1 MiB`);
				if (value === null) stash.delete(key); else stash.set(key, value);
				return { rc: 0 };
			}
			case 'host.shutdown':
				drive(sock, fn);
				setImmediate(() => void shutdown());
				return { rc: 0 };
			default:
				throw new RequestError(ENOSYS, `${fn}: no such host call`);
		}
	};

	const serve = (sock: Socket): void => {
		connections.add(sock);
		const reader = new FrameReader();
		sock.on('data', data => {
			reader.push(data); // zeroed by the reader once cut into frames
			for (;;) {
				let payload: Buffer | undefined;
				try {
					payload = reader.next();
				} catch (e) {
					log.warn({ err: (e as Error).message }, 'dataplane host: bad frame, connection closed');
					sock.end(encodeFrame({ rc: -EINVAL, err: (e as Error).message }));
					reader.wipe();
					return;
				}
				if (!payload) return;
				let reply: Buffer;
				try {
					const { header, blob } = decodePayload<RequestHeader>(payload);
					const r = call(sock, header, blob);
					reply = encodeFrame(r.header, r.blobs);
					for (const b of r.blobs) b.fill(0);
				} catch (e) {
					const errno = e instanceof RequestError ? e.errno : EINVAL;
					reply = encodeFrame({ rc: -errno, err: (e as Error).message });
				} finally {
					payload.fill(0);
				}
				sock.write(reply);
			}
		});
		sock.on('error', () => {});
		// the driver's seat is free as soon as its connection ends (a killed agent's included)
		sock.on('end', () => seat.release(sock));
		sock.on('close', () => { reader.wipe(); connections.delete(sock); seat.release(sock); });
	};

	if (o.eal) {
		// same guard as the binding's: never let EAL probe every PCI device of the node
		const eal = boundedPciProbe(o.eal) ? o.eal : ['--no-pci', ...o.eal];
		const rc = api.init(eal.length, eal, null);
		if (rc < 0) throw new Error(`EAL did not start: ${api.lastError()} (${rc})`);
		state.initialised = true;
		log.info({ eal }, 'dataplane host started EAL');
	}
	const dir = dirname(o.socket);
	if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
	if (existsSync(o.socket)) {
		if (await answers(o.socket)) throw new Error(`another dataplane host answers on ${o.socket}`);
		rmSync(o.socket, { force: true });
	}
	// Only root (our own uid) may drive the dataplane: the socket is created 0600, not chmod'ed after.
	const umask = process.umask(0o077);
	const server = createServer(serve);
	try {
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(o.socket, () => resolve());
		});
	} finally {
		process.umask(umask);
	}
	chmodSync(o.socket, 0o600);
	const pidFile = `${o.socket}.pid`;
	writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
	log.info({ socket: o.socket, pid: process.pid, spawned: o.spawned, abi: api.abiVersion() }, 'dataplane host serving');

	const shutdown = (): Promise<void> => {
		shuttingDown ??= (async () => {
			if (state.initialised) {
				const rc = api.shutdown();
				if (rc < 0) log.error({ rc, err: api.lastError() }, 'dataplane host: shutdown of the library failed');
				state.running = false;
			}
			server.close();
			for (const c of connections) c.destroy();
			rmSync(o.socket, { force: true });
			rmSync(pidFile, { force: true });
			log.info({}, 'dataplane host stopped');
			resolveClosed();
		})();
		return shuttingDown;
	};
	return { server, closed, shutdown };
}

/** `esplane dataplane-host --socket PATH [--spawned]` */
export async function runDataplaneHost(args: string[], log: Logger): Promise<number> {
	let socket = process.env['ESPLANE_DP_SOCKET'] ?? DEFAULT_DP_SOCKET;
	let spawned = false;
	let ealFromEnvironment = false;
	for (let i = 0; i < args.length; i++) {
		const a = args[i]!;
		if (a === '--socket' && args[i + 1] !== undefined) socket = args[++i]!;
		else if (a === '--spawned') spawned = true;
		else if (a === '--eal-from-env') ealFromEnvironment = true;
		else {
			process.stderr.write(`esplane dataplane-host: unknown flag '${a}' (usage: --socket PATH [--eal-from-env])\n`);
			return 2;
		}
	}
	let host: DataplaneHost;
	try {
		// --eal-from-env: EAL from ESPLANE_DPDK_EAL_ARGS and the device plugin's VFs
		// (ESPLANE_VF_RESOURCE, PCIDEVICE_*), which only the container holding the VFs sees.
		const eal = ealFromEnvironment ? (await import('./eal-env.js')).ealFromEnv(process.env) : undefined;
		host = await startDataplaneHost({ socket, spawned, log, ...(eal ? { eal } : {}) });
	} catch (e) {
		process.stderr.write(`esplane dataplane-host: ${(e as Error).message}\n`);
		return 1;
	}
	process.once('SIGTERM', () => void host.shutdown());
	process.once('SIGINT', () => void host.shutdown());
	await host.closed;
	// EAL cannot be torn down and started again in one process; the process ends here.
	setImmediate(() => process.exit(0));
	return 0;
}
