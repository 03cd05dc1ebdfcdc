// The kernel side of the mirror as an interface, so tests can hand in recorded messages
// instead of a netlink socket; netlinkKernel() is the real one.
import { XfrmClient } from '../xfrm/client.js';
import type { XFRM_MSG } from '../xfrm/codec/constants.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { XfrmEvents, type XfrmEventListener } from '../xfrm/events.js';

export interface KernelSource {
	/** {GETSA | GETPOLICY} => the whole table */
	dump(type: typeof XFRM_MSG.GETSA | typeof XFRM_MSG.GETPOLICY): Promise<XfrmMessage[]>;
	/** {requests} => errno of each (0 = ok) */
	batch(msgs: XfrmMessage[]): Promise<number[]>;
	/** starts delivering SA, POLICY, EXPIRE and MAPPING events */
	subscribe(listener: XfrmEventListener): { stop(): Promise<void> };
	close(): void;
}

export interface NetlinkKernelOptions {
	/** the event socket's receive buffer (default 8 MiB); tests make it tiny to provoke ENOBUFS */
	eventRcvbuf?: number;
}

export function netlinkKernel(opts: NetlinkKernelOptions = {}): KernelSource {
	const client = new XfrmClient();
	return {
		dump: type => client.dump(type),
		batch: msgs => client.batch(msgs),
		subscribe: listener => new XfrmEvents(listener, undefined, opts.eventRcvbuf),
		close: () => client.close(),
	};
}
