// The agent's local control socket: what `esplane sa list` and friends talk to.
// Protocol, one JSON object per line each way:
//   {"id": 1, "method": "sa.list", "params": {}}  =>  {"id": 1, "result": …} | {"id": 1, "error": {"code", "message"}}
// Handlers are registered by the parts of the agent that own the data; a failing or unknown
// method answers an error and never takes the socket down.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';

/** A failure with a code the CLI can act on (e.g. 'needs_dpdk'); any other throw answers 'failed'. */
export class ControlError extends Error {
	override name = 'ControlError';
	constructor(readonly code: string, message: string) {
		super(message);
	}
}

export type Handler = (params: Record<string, unknown>) => unknown | Promise<unknown>;

export interface ControlRequest {
	id: number;
	method: string;
	params?: Record<string, unknown>;
}

export type ControlResponse =
	| { id: number; result: unknown }
	| { id: number; error: { code: string; message: string } };

/** Longest request line accepted; a CLI request is a few hundred bytes. */
const maxLine = 64 * 1024;

export class ControlServer {
	readonly #handlers = new Map<string, Handler>();
	#server: Server | undefined;

	handle(method: string, handler: Handler): this {
		this.#handlers.set(method, handler);
		return this;
	}

	methods(): string[] {
		return [...this.#handlers.keys()].sort();
	}

	async dispatch(line: string): Promise<ControlResponse> {
		let req: ControlRequest;
		try {
			const parsed: unknown = JSON.parse(line);
			if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ControlRequest).method !== 'string') {
				throw new Error('request must be an object with a string "method"');
			}
			req = parsed as ControlRequest;
		} catch (e) {
			return { id: 0, error: { code: 'bad_request', message: (e as Error).message } };
		}
		const id = typeof req.id === 'number' ? req.id : 0;
		const handler = this.#handlers.get(req.method);
		if (!handler) return { id, error: { code: 'unknown_method', message: `unknown method '${req.method}' (known: ${this.methods().join(', ')})` } };
		try {
			return { id, result: await handler(req.params ?? {}) };
		} catch (e) {
			return { id, error: { code: e instanceof ControlError ? e.code : 'failed', message: (e as Error).message } };
		}
	}

	/** {path} => listening on a UNIX socket readable by root only; a stale socket file is replaced. */
	async listen(path: string): Promise<void> {
		mkdirSync(dirname(path), { recursive: true });
		if (existsSync(path)) unlinkSync(path);
		this.#server = createServer(socket => this.#serve(socket));
		await new Promise<void>((resolve, reject) => {
			this.#server!.once('error', reject);
			this.#server!.listen(path, () => resolve());
		});
		chmodSync(path, 0o600);
	}

	async close(): Promise<void> {
		const server = this.#server;
		this.#server = undefined;
		if (server) await new Promise<void>(resolve => server.close(() => resolve()));
	}

	#serve(socket: Socket): void {
		let buffered = '';
		socket.setEncoding('utf8');
		socket.on('error', () => socket.destroy());
		socket.on('data', (chunk: string) => {
			buffered += chunk;
			if (buffered.length > maxLine && !buffered.includes('\n')) {
				socket.end(JSON.stringify({ id: 0, error: { code: 'bad_request', message: `request longer than ${maxLine} bytes` } }) + '\n');
				return;
			}
			let nl: number;
			while ((nl = buffered.indexOf('\n')) >= 0) {
				const line = buffered.slice(0, nl);
				buffered = buffered.slice(nl + 1);
				if (line.trim() === '') continue;
				void this.dispatch(line).then(res => {
					if (!socket.destroyed) socket.write(JSON.stringify(res, bigintReplacer) + '\n');
				});
			}
		});
	}
}

/** Counters are bigint in the agent; JSON carries them as numbers when exact, strings otherwise. */
export function bigintReplacer(_key: string, value: unknown): unknown {
	if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
	return value;
}
