// VICI framing over a stream socket: each packet is a 4-byte big-endian length followed by
// that many bytes. A length above 512 KiB is a protocol violation (charon drops such a
// connection too); the reader reports it as ViciDecodeError and the client reconnects.
import { MAX_PACKET_SIZE } from './codec.js';
import { ViciDecodeError, ViciEncodeError } from './errors.js';

/** Prefix a packet payload with its length. */
export function frame(payload: Buffer): Buffer {
	if (payload.length > MAX_PACKET_SIZE) throw new ViciEncodeError(`packet of ${payload.length} bytes exceeds ${MAX_PACKET_SIZE}`);
	const head = Buffer.alloc(4);
	head.writeUInt32BE(payload.length);
	return Buffer.concat([head, payload]);
}

/**
 * Reassembles packets from socket chunks of any size. `push` returns the complete packet
 * payloads that the chunk finished, in order; partial data waits for the next chunk.
 */
export class FrameReader {
	private pending: Buffer[] = [];
	private pendingBytes = 0;

	push(chunk: Buffer): Buffer[] {
		this.pending.push(chunk);
		this.pendingBytes += chunk.length;
		const out: Buffer[] = [];
		for (;;) {
			if (this.pendingBytes < 4) break;
			const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
			const len = buf.readUInt32BE(0);
			if (len > MAX_PACKET_SIZE) throw new ViciDecodeError(`frame length ${len} exceeds ${MAX_PACKET_SIZE}`, 0);
			if (buf.length < 4 + len) {
				this.pending = [buf];
				break;
			}
			out.push(Buffer.from(buf.subarray(4, 4 + len)));
			const rest = buf.subarray(4 + len);
			this.pending = rest.length > 0 ? [rest] : [];
			this.pendingBytes = rest.length;
		}
		return out;
	}

	/** Bytes held back waiting for the rest of a packet. */
	get buffered(): number {
		return this.pendingBytes;
	}

	reset(): void {
		this.pending = [];
		this.pendingBytes = 0;
	}
}
