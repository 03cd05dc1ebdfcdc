// A KernelSource without a kernel: dumps answer from lists of recorded messages, events are
// pushed by the test, and every batch request (NEWAE, EXPIRE) is recorded.
import type { KernelSource } from '../../operator/agent/xfrm-kernel.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { decodeXfrm, encodeXfrm, type XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import type { XfrmEventListener } from '../../operator/xfrm/events.js';

export class FakeKernel implements KernelSource {
	sas: XfrmMessage[] = [];
	policies: XfrmMessage[] = [];
	readonly requests: XfrmMessage[] = [];
	/** errno answered to each batch request (default 0) */
	answer: (m: XfrmMessage) => number = () => 0;
	listener: XfrmEventListener | undefined;
	dumps = 0;

	/** Fresh copies, as a real dump decodes new objects each time (the mirror wipes keys of replaced ones). */
	async dump(type: number): Promise<XfrmMessage[]> {
		this.dumps++;
		return (type === XFRM_MSG.GETSA ? this.sas : this.policies).map(m => decodeXfrm(splitMessages(encodeXfrm(m))[0]!));
	}

	async batch(msgs: XfrmMessage[]): Promise<number[]> {
		this.requests.push(...msgs);
		return msgs.map(m => this.answer(m));
	}

	subscribe(listener: XfrmEventListener): { stop(): Promise<void> } {
		this.listener = listener;
		return { stop: async () => { this.listener = undefined; } };
	}

	emit(...msgs: XfrmMessage[]): void {
		this.listener?.onMessages(msgs);
	}

	close(): void {}
}
