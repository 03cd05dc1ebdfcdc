// The VICI client: one UNIX-socket connection to charon, one outstanding exchange at a time
// (the protocol pairs responses with requests only by order), a FIFO queue behind it, events
// delivered whenever they arrive (also between a streamed command's items), and reconnection
// with exponential backoff when charon goes away.
//
// Level-based recovery: nothing outstanding is replayed after a reconnect. Every pending
// exchange fails with ViciConnectionError; the client re-registers the events the caller
// subscribed to and then emits 'reconnected', on which the owner (the reconciler) re-applies
// its whole desired configuration.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { createLogger } from '../log/logger.js';
import { type Packet, PacketType, type ViciInput, type ViciSection, decodePacket, encodePacket } from './codec.js';
import { ViciConnectionError, ViciDecodeError, ViciTimeoutError, ViciUnknownError } from './errors.js';
import { FrameReader, frame } from './transport.js';

export interface ViciClientOptions {
	/** Path of charon's VICI socket, e.g. /run/charon.vici. */
	path: string;
	logger?: Logger;
	/** Reconnect delays: start at initialMs, double per failure, stop growing at maxMs. */
	backoff?: { initialMs?: number; maxMs?: number };
	/** Time limit for one exchange (initiate/terminate wait for IKE; give those their own). */
	timeoutMs?: number;
}

export interface RequestOptions {
	timeoutMs?: number;
}

export interface StreamResult {
	/** The command's final response. */
	response: ViciSection;
	/** The streamed event messages, in order. */
	items: ViciSection[];
}

type Phase = 'register' | 'command' | 'unregister';

interface Exchange {
	label: string;
	kind: 'request' | 'register' | 'unregister' | 'stream';
	name: string;
	streamEvent?: string;
	/**
	 * Encoded when queued, so a message that cannot be encoded fails its caller at once and
	 * never half-runs: request/register/unregister send `first` only; a stream sends `first`
	 * (register), then `command`, then `unregister`, each when the previous one is answered.
	 */
	wire: { first: Buffer; command?: Buffer; unregister?: Buffer };
	phase?: Phase;
	items: ViciSection[];
	response?: ViciSection;
	onItem?: (item: ViciSection) => void;
	timeoutMs: number;
	timer?: NodeJS.Timeout;
	resolve: (v: StreamResult) => void;
	reject: (e: Error) => void;
}

export interface ViciClientEvents {
	/** Every connection (the first and each later one), after subscriptions are restored. */
	connected: [{ reconnect: boolean }];
	/** A connection after the first one, after subscriptions are restored: re-apply config. */
	reconnected: [];
	disconnected: [Error];
	/** An event charon sent for a subscribed name. */
	event: [string, ViciSection];
}

export class ViciClient extends EventEmitter<ViciClientEvents> {
	private readonly path: string;
	private readonly log: Logger;
	private readonly initialDelay: number;
	private readonly maxDelay: number;
	private readonly timeoutMs: number;

	private socket: Socket | null = null;
	private up = false;
	private everUp = false;
	private closing = false;
	private delay: number;
	private retryTimer: NodeJS.Timeout | null = null;
	private readonly reader = new FrameReader();
	private readonly queue: Exchange[] = [];
	private current: Exchange | null = null;
	private readonly subscriptions = new Set<string>();
	private upWaiters: Array<() => void> = [];

	constructor(opts: ViciClientOptions) {
		super();
		this.path = opts.path;
		this.log = opts.logger ?? createLogger('vici');
		this.initialDelay = opts.backoff?.initialMs ?? 100;
		this.maxDelay = opts.backoff?.maxMs ?? 5000;
		this.timeoutMs = opts.timeoutMs ?? 30_000;
		this.delay = this.initialDelay;
	}

	get connected(): boolean {
		return this.up;
	}

	/** Start connecting (and keep reconnecting). Resolves on the first connection. */
	start(): Promise<void> {
		this.closing = false;
		if (!this.socket && !this.retryTimer) this.connect();
		return this.waitConnected();
	}

	/** Resolves when a connection is up (subscriptions restored). */
	waitConnected(): Promise<void> {
		if (this.up) return Promise.resolve();
		return new Promise((resolve) => this.upWaiters.push(resolve));
	}

	/** Close for good: no reconnects; pending exchanges fail. */
	close(): void {
		this.closing = true;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		this.socket?.destroy();
		this.socket = null;
		this.failAll(new ViciConnectionError('client closed'));
		this.up = false;
	}

	/** Send a command, resolve with its response message (success is the caller's to judge). */
	async request(command: string, message: ViciInput = {}, opts: RequestOptions = {}): Promise<ViciSection> {
		return (await this.enqueue({ kind: 'request', name: command, message, label: command }, opts)).response;
	}

	/**
	 * A streamed command (list-sas, list-conns, …): register for its event, send the command,
	 * collect every event until the response, unregister. `onItem` sees items as they arrive.
	 */
	async stream(command: string, event: string, message: ViciInput = {}, opts: RequestOptions & { onItem?: (item: ViciSection) => void } = {}): Promise<StreamResult> {
		const r = await this.enqueue({ kind: 'stream', name: command, message, streamEvent: event, label: command }, opts, opts.onItem);
		return r;
	}

	/** Register for events; kept across reconnects. Events arrive as 'event' (name, message). */
	async subscribe(...events: string[]): Promise<void> {
		for (const ev of events) {
			if (this.subscriptions.has(ev)) continue;
			await this.enqueue({ kind: 'register', name: ev, label: `register ${ev}` }, {});
			this.subscriptions.add(ev);
		}
	}

	async unsubscribe(...events: string[]): Promise<void> {
		for (const ev of events) {
			if (!this.subscriptions.delete(ev)) continue;
			if (this.up) await this.enqueue({ kind: 'unregister', name: ev, label: `unregister ${ev}` }, {});
		}
	}

	// ------------------------------------------------------------ queue

	private enqueue(e: Pick<Exchange, 'kind' | 'name' | 'label'> & { message?: ViciInput; streamEvent?: string }, opts: RequestOptions, onItem?: (item: ViciSection) => void, front = false): Promise<StreamResult> {
		if (!this.up && !front) return Promise.reject(new ViciConnectionError(`${e.label}: not connected to ${this.path}`));
		let wire: Exchange['wire'];
		try {
			wire = this.encode(e);
		} catch (err) {
			return Promise.reject(err as Error);
		}
		return new Promise<StreamResult>((resolve, reject) => {
			const ex: Exchange = { label: e.label, kind: e.kind, name: e.name, wire, items: [], timeoutMs: opts.timeoutMs ?? this.timeoutMs, resolve, reject };
			if (e.streamEvent !== undefined) ex.streamEvent = e.streamEvent;
			if (onItem) ex.onItem = onItem;
			if (front) this.queue.unshift(ex);
			else this.queue.push(ex);
			this.pump();
		});
	}

	private encode(e: Pick<Exchange, 'kind' | 'name'> & { message?: ViciInput; streamEvent?: string }): Exchange['wire'] {
		switch (e.kind) {
			case 'request':
				return { first: frame(encodePacket(PacketType.CMD_REQUEST, e.name, e.message)) };
			case 'register':
				return { first: frame(encodePacket(PacketType.EVENT_REGISTER, e.name)) };
			case 'unregister':
				return { first: frame(encodePacket(PacketType.EVENT_UNREGISTER, e.name)) };
			case 'stream':
				return {
					first: frame(encodePacket(PacketType.EVENT_REGISTER, e.streamEvent)),
					command: frame(encodePacket(PacketType.CMD_REQUEST, e.name, e.message)),
					unregister: frame(encodePacket(PacketType.EVENT_UNREGISTER, e.streamEvent)),
				};
		}
	}

	private pump(): void {
		if (this.current || !this.socket) return;
		const ex = this.queue.shift();
		if (!ex) return;
		this.current = ex;
		ex.timer = setTimeout(() => this.timeout(ex), ex.timeoutMs);
		if (ex.kind === 'stream') ex.phase = 'register';
		this.send(ex.wire.first);
	}

	private send(framed: Buffer | undefined): void {
		if (framed) this.socket?.write(framed);
	}

	/**
	 * The encoded frames of load-shared / load-key carry secrets: zero them once the exchange
	 * is over (its frames were written long before the answer came). The caller's own strings
	 * are beyond our reach; this is the copy we made.
	 */
	private wipe(ex: Exchange): void {
		ex.wire.first.fill(0);
		ex.wire.command?.fill(0);
		ex.wire.unregister?.fill(0);
	}

	private finish(ex: Exchange, err?: Error): void {
		if (ex.timer) clearTimeout(ex.timer);
		this.wipe(ex);
		if (this.current === ex) this.current = null;
		if (err) ex.reject(err);
		else ex.resolve({ response: ex.response ?? {}, items: ex.items });
		this.pump();
	}

	private timeout(ex: Exchange): void {
		if (this.current !== ex) return;
		this.log.warn({ command: ex.label, timeoutMs: ex.timeoutMs }, 'vici exchange timed out, reconnecting');
		// The late answer would be taken for the next exchange's: start over on a new connection.
		this.finish(ex, new ViciTimeoutError(ex.label, ex.timeoutMs));
		this.socket?.destroy(new ViciConnectionError(`${ex.label} timed out`));
	}

	private failAll(err: Error): void {
		const pending = this.current ? [this.current, ...this.queue] : [...this.queue];
		this.current = null;
		this.queue.length = 0;
		for (const ex of pending) {
			if (ex.timer) clearTimeout(ex.timer);
			// An in-flight frame may still sit in the dead socket's buffer; it is never sent now.
			this.wipe(ex);
			ex.reject(err);
		}
	}

	// ------------------------------------------------------------ packets

	private onPacket(p: Packet): void {
		if (p.type === PacketType.EVENT) {
			const name = p.name as string;
			const msg = p.message ?? {};
			const ex = this.current;
			if (ex?.kind === 'stream' && ex.phase === 'command' && name === ex.streamEvent) {
				ex.items.push(msg);
				if (ex.onItem) this.deliver(name, () => ex.onItem?.(msg));
				if (!this.subscriptions.has(name)) return;
			}
			this.deliver(name, () => this.emit('event', name, msg));
			return;
		}
		const ex = this.current;
		if (!ex) throw new ViciDecodeError(`unexpected packet type ${p.type} with no exchange outstanding`, 0);
		switch (p.type) {
			case PacketType.CMD_RESPONSE:
				if (ex.kind === 'request') {
					ex.response = p.message ?? {};
					return this.finish(ex);
				}
				if (ex.kind === 'stream' && ex.phase === 'command') {
					ex.response = p.message ?? {};
					ex.phase = 'unregister';
					return this.send(ex.wire.unregister);
				}
				break;
			case PacketType.CMD_UNKNOWN:
				if (ex.kind === 'request' || (ex.kind === 'stream' && ex.phase === 'command')) {
					// A stream's event stays registered on charon's side; harmless, it never fires.
					return this.finish(ex, new ViciUnknownError('command', ex.name));
				}
				break;
			case PacketType.EVENT_CONFIRM:
				if (ex.kind === 'register' || ex.kind === 'unregister') return this.finish(ex);
				if (ex.kind === 'stream' && ex.phase === 'register') {
					ex.phase = 'command';
					return this.send(ex.wire.command);
				}
				if (ex.kind === 'stream' && ex.phase === 'unregister') return this.finish(ex);
				break;
			case PacketType.EVENT_UNKNOWN:
				if (ex.kind === 'register' || ex.kind === 'unregister') return this.finish(ex, new ViciUnknownError('event', ex.name));
				if (ex.kind === 'stream') return this.finish(ex, new ViciUnknownError('event', ex.streamEvent as string));
				break;
		}
		throw new ViciDecodeError(`packet type ${p.type} does not answer ${ex.label}`, 0);
	}

	/** Run a caller's listener; its exception is logged, never taken for a protocol error. */
	private deliver(event: string, fn: () => void): void {
		try {
			fn();
		} catch (err) {
			this.log.error({ err, event }, 'vici event listener threw');
		}
	}

	// ------------------------------------------------------------ connection

	private connect(): void {
		this.retryTimer = null;
		const sock = createConnection({ path: this.path });
		this.socket = sock;
		this.reader.reset();
		sock.on('connect', () => void this.onConnect(sock));
		sock.on('data', (chunk: Buffer) => {
			try {
				for (const payload of this.reader.push(chunk)) this.onPacket(decodePacket(payload));
			} catch (err) {
				this.log.warn({ err }, 'vici protocol error, reconnecting');
				sock.destroy(err as Error);
			}
		});
		sock.on('error', () => {
			/* 'close' follows and carries the handling */
		});
		sock.on('close', () => this.onClose(sock));
	}

	private async onConnect(sock: Socket): Promise<void> {
		if (this.socket !== sock) return;
		this.delay = this.initialDelay;
		const reconnect = this.everUp;
		// Restore subscriptions before anyone else may talk, so no event is missed.
		const restored = [...this.subscriptions]
			.reverse()
			.map((ev) => this.enqueue({ kind: 'register', name: ev, label: `register ${ev}` }, {}, undefined, true));
		try {
			await Promise.all(restored);
		} catch (err) {
			// Lost again already, or charon forgot an event name: either way start over.
			this.log.warn({ err }, 'vici could not restore subscriptions');
			sock.destroy();
			return;
		}
		if (this.socket !== sock) return;
		this.up = true;
		this.everUp = true;
		this.log.info({ path: this.path, reconnect }, 'vici connected');
		const waiters = this.upWaiters;
		this.upWaiters = [];
		for (const w of waiters) w();
		this.emit('connected', { reconnect });
		if (reconnect) this.emit('reconnected');
	}

	private onClose(sock: Socket): void {
		if (this.socket !== sock) return;
		this.socket = null;
		const wasUp = this.up;
		this.up = false;
		const err = new ViciConnectionError(`connection to ${this.path} closed`);
		this.failAll(err);
		if (wasUp) {
			this.log.warn({ path: this.path }, 'vici disconnected');
			this.emit('disconnected', err);
		}
		if (this.closing) return;
		const wait = Math.min(this.delay, this.maxDelay);
		this.delay = Math.min(this.delay * 2, this.maxDelay);
		this.log.debug({ path: this.path, retryMs: wait }, 'vici reconnect scheduled');
		this.retryTimer = setTimeout(() => this.connect(), wait);
	}
}
