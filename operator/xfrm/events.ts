// The multicast side: a socket joined to the SA, POLICY, EXPIRE and MAPPING groups, read
// until closed. Each batch of decoded messages goes to the listener; a kernel-side drop
// (ENOBUFS) is reported as an overrun so the listener re-dumps; undecodable messages are
// reported and skipped, never thrown into the event loop.
import { XFRMNLGRP } from './codec/constants.js';
import { isXfrmDecodeError, type XfrmDecodeError } from './codec/errors.js';
import { decodeXfrm, type XfrmMessage } from './codec/message.js';
import { splitMessages } from './codec/netlink.js';
import { XfrmSocket } from './socket.js';

export interface XfrmEventListener {
	onMessages(msgs: XfrmMessage[]): void;
	onOverrun(): void;
	onDecodeError(e: XfrmDecodeError): void;
	onFatal(e: unknown): void;
}

export const MIRROR_GROUPS = [XFRMNLGRP.SA, XFRMNLGRP.POLICY, XFRMNLGRP.EXPIRE, XFRMNLGRP.MAPPING];

export class XfrmEvents {
	private readonly sock: XfrmSocket;
	private stopped = false;
	readonly done: Promise<void>;

	constructor(private readonly listener: XfrmEventListener, groups = MIRROR_GROUPS, rcvbuf?: number) {
		this.sock = new XfrmSocket({ groups, ...(rcvbuf ? { rcvbuf } : {}) });
		this.done = this.loop().catch(e => listener.onFatal(e));
	}

	stop(): Promise<void> {
		this.stopped = true;
		return this.done.finally(() => this.sock.close());
	}

	private async loop(): Promise<void> {
		while (!this.stopped) {
			const { datagrams, overrun } = this.sock.receive();
			const msgs: XfrmMessage[] = [];
			for (const d of datagrams) {
				try {
					for (const m of splitMessages(d)) {
						try { msgs.push(decodeXfrm(m)); } catch (e) { if (isXfrmDecodeError(e)) this.listener.onDecodeError(e); else throw e; }
					}
				} catch (e) {
					if (isXfrmDecodeError(e)) this.listener.onDecodeError(e); else throw e;
				}
			}
			if (msgs.length) this.listener.onMessages(msgs);
			if (overrun) this.listener.onOverrun();
			if (!datagrams.length && !overrun) await this.sock.waitReadable(250);
		}
	}
}
