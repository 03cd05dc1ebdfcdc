// Requests to the kernel's XFRM database over a private (non-multicast) socket: dumps and
// batched writes, matched to their answers by sequence number. One request at a time, so
// the answers of a dump are never interleaved with another's.
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, XFRM_MSG } from './codec/constants.js';
import { decodeXfrm, encodeXfrm, type XfrmMessage } from './codec/message.js';
import { buildMessage, splitMessages } from './codec/netlink.js';
import { XfrmSocket } from './socket.js';

export class XfrmRequestError extends Error {
	override readonly name = 'XfrmRequestError';
	constructor(readonly what: string, readonly errno: number) {
		super(`${what} failed: kernel answered errno ${errno}`);
	}
}

export function isXfrmRequestError(e: unknown): e is XfrmRequestError {
	return e instanceof XfrmRequestError;
}

/** A dump the kernel restarted under us (NLM_F_DUMP_INTR): the caller retries. */
export class XfrmDumpInterrupted extends Error {
	override readonly name = 'XfrmDumpInterrupted';
}

/** What a batch of writes ended with: errno per message, 0 = ok, in send order. */
export type BatchResult = number[];

export class XfrmClient {
	private readonly sock: XfrmSocket;
	private seq = Math.floor(Math.random() * 0x7fffffff);
	private chain: Promise<unknown> = Promise.resolve();

	constructor(sock?: XfrmSocket, private readonly timeoutMs = 30_000) {
		this.sock = sock ?? new XfrmSocket();
	}

	/** {GETSA | GETPOLICY} => every entry of the table */
	dump(type: typeof XFRM_MSG.GETSA | typeof XFRM_MSG.GETPOLICY): Promise<XfrmMessage[]> {
		return this.serial(async () => {
			const seq = this.nextSeq();
			this.sock.send(buildMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, pid: 0 }, Buffer.alloc(0), []));
			const out: XfrmMessage[] = [];
			let interrupted = false;
			for (;;) {
				for (const m of await this.read()) {
					if (m.seq !== seq) continue;
					if (m.flags & 0x10) interrupted = true;
					if (m.kind === 'done') {
						if (interrupted) throw new XfrmDumpInterrupted('dump interrupted by a concurrent change');
						return out;
					}
					if (m.kind === 'error') {
						if (m.body.error !== 0) throw new XfrmRequestError(`dump ${type}`, -m.body.error);
						return out;
					}
					if (m.flags & NLM_F_MULTI || m.kind === 'sa' || m.kind === 'policy') out.push(m);
				}
			}
		});
	}

	/**
	 * {messages} => errno of each (0 = ok), in order. Messages go many to a datagram (the kernel
	 * handles each in turn within the send), and only the last of each datagram asks for an
	 * ACK: the kernel answers failures anyway, so that ACK marks the end of the datagram's
	 * answers. Thousands of write-backs cost a handful of system calls.
	 */
	batch(msgs: XfrmMessage[]): Promise<BatchResult> {
		return this.serial(async () => {
			const result: BatchResult = new Array<number>(msgs.length).fill(0);
			const MAX_DATAGRAM = 64 * 1024;
			let at = 0;
			while (at < msgs.length) {
				const bySeq = new Map<number, number>();
				const parts: Buffer[] = [];
				let size = 0;
				while (at < msgs.length) {
					const m = msgs[at]!;
					const seq = this.nextSeq();
					const wire = encodeXfrm({ ...m, seq, flags: m.flags | NLM_F_REQUEST });
					if (parts.length && size + wire.length > MAX_DATAGRAM) break;
					bySeq.set(seq, at);
					parts.push(wire);
					size += wire.length;
					at++;
				}
				// The last message of the datagram asks for the ACK that closes it.
				const last = parts.length - 1;
				parts[last]!.writeUInt16LE(parts[last]!.readUInt16LE(6) | NLM_F_ACK, 6);
				const lastSeq = parts[last]!.readUInt32LE(8);
				this.sock.send(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
				for (let done = false; !done;) {
					for (const m of await this.read()) {
						const i = bySeq.get(m.seq);
						if (i === undefined || m.kind !== 'error') continue;
						result[i] = -m.body.error;
						if (m.seq === lastSeq) done = true;
					}
				}
			}
			return result;
		});
	}

	close(): void {
		this.sock.close();
	}

	/** The next answers; throws when the kernel dropped some (ENOBUFS) or said nothing for timeoutMs. */
	private async read(): Promise<XfrmMessage[]> {
		const deadline = Date.now() + this.timeoutMs;
		for (;;) {
			const { datagrams, overrun } = this.sock.receive();
			// Lost answers cannot be waited for: fail the request, the caller looks again.
			if (overrun) throw new XfrmRequestError('read (answers lost)', 105);
			if (datagrams.length) return datagrams.flatMap(d => splitMessages(d).map(decodeXfrm));
			if (this.sock.isClosed) throw new XfrmRequestError('read (socket closed)', 9);
			if (Date.now() > deadline) throw new XfrmRequestError(`read (no answer in ${this.timeoutMs} ms)`, 110);
			await this.sock.waitReadable(250);
		}
	}

	private nextSeq(): number {
		this.seq = (this.seq + 1) >>> 0 || 1;
		return this.seq;
	}

	private serial<T>(f: () => Promise<T>): Promise<T> {
		const p = this.chain.then(f, f);
		this.chain = p.catch(() => undefined);
		return p;
	}
}
