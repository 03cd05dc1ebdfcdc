// A fake charon VICI endpoint for client tests: a real UNIX socket speaking the real framing,
// with scripted command handlers. It records every packet it receives so tests can assert
// on ordering (one outstanding command at a time) and can drop connections or go away and
// come back to exercise reconnects.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Packet, PacketType, type ViciInput, decodePacket, encodePacket } from '../../operator/vici/codec.js';
import { FrameReader, frame } from '../../operator/vici/transport.js';

export interface FakeConn {
	socket: Socket;
	events: Set<string>;
	/** Send an event now (only if the connection registered for it, as charon does). */
	event(name: string, message: ViciInput): void;
}

/** A handler answers a command; it may send streamed events first and may delay. */
export type Handler = (message: Record<string, unknown>, conn: FakeConn) => ViciInput | Promise<ViciInput>;

export class FakeViciServer {
	readonly dir = mkdtempSync(join(tmpdir(), 'espvc-fake-'));
	readonly path = join(this.dir, 'charon.vici');
	readonly received: Packet[] = [];
	readonly conns = new Set<FakeConn>();
	/** Commands being handled right now, per connection (to prove there is never more than one). */
	maxInFlight = 0;
	connections = 0;
	private server: Server | null = null;

	constructor(readonly handlers: Record<string, Handler> = {}) {}

	async listen(): Promise<void> {
		rmSync(this.path, { force: true });
		const server = createServer((socket) => this.accept(socket));
		this.server = server;
		await new Promise<void>((resolve) => server.listen(this.path, resolve));
	}

	/** Drop every connection and stop listening: charon died. */
	async stop(): Promise<void> {
		for (const c of this.conns) c.socket.destroy();
		this.conns.clear();
		const s = this.server;
		this.server = null;
		if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
	}

	async dispose(): Promise<void> {
		await this.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}

	/** Send an event to every connection registered for it. */
	broadcast(name: string, message: ViciInput): void {
		for (const c of this.conns) c.event(name, message);
	}

	private accept(socket: Socket): void {
		this.connections++;
		const reader = new FrameReader();
		const conn: FakeConn = {
			socket,
			events: new Set(),
			event: (name, message) => {
				if (conn.events.has(name)) socket.write(frame(encodePacket(PacketType.EVENT, name, message)));
			},
		};
		this.conns.add(conn);
		let inFlight = 0;
		let chain = Promise.resolve();
		socket.on('close', () => this.conns.delete(conn));
		socket.on('error', () => undefined);
		socket.on('data', (chunk) => {
			for (const payload of reader.push(chunk)) {
				const p = decodePacket(payload);
				this.received.push(p);
				// Handle strictly in order, like charon's per-connection processing.
				chain = chain.then(async () => {
					inFlight++;
					this.maxInFlight = Math.max(this.maxInFlight, inFlight);
					try {
						await this.handle(p, conn);
					} finally {
						inFlight--;
					}
				});
			}
		});
	}

	private async handle(p: Packet, conn: FakeConn): Promise<void> {
		const send = (type: PacketType, message?: ViciInput): void => {
			if (!conn.socket.destroyed) conn.socket.write(frame(encodePacket(type, undefined, message)));
		};
		const name = p.name ?? '';
		switch (p.type) {
			case PacketType.EVENT_REGISTER:
				if (name.startsWith('unknown')) return send(PacketType.EVENT_UNKNOWN);
				conn.events.add(name);
				return send(PacketType.EVENT_CONFIRM);
			case PacketType.EVENT_UNREGISTER:
				conn.events.delete(name);
				return send(PacketType.EVENT_CONFIRM);
			case PacketType.CMD_REQUEST: {
				const h = this.handlers[name];
				if (!h) return send(PacketType.CMD_UNKNOWN);
				const response = await h(p.message ?? {}, conn);
				return send(PacketType.CMD_RESPONSE, response);
			}
			default:
				conn.socket.destroy();
		}
	}
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
