// The agent's XFRM side in one call: the mirror (kernel → dataplane) and the write-back
// (dataplane counters → kernel) on a real NETLINK_XFRM socket. The agent's main passes its
// dataplane (the koffi binding) and logger; tests use the parts directly with fakes.
import type { Logger } from '../log/index.js';
import type { DataplaneControl } from '../dataplane/control.js';
import { XfrmWriteback } from './writeback.js';
import type { MirrorScope } from './xfrm-desired.js';
import { netlinkKernel, type KernelSource } from './xfrm-kernel.js';
import { localAddressCheck } from './xfrm-local.js';
import { XfrmMirror } from './xfrm-mirror.js';

export interface XfrmAgentOptions {
	dataplane: DataplaneControl;
	log: Logger;
	/** only esplane's tunnels (by mark, if_id or reqid); default: everything the kernel holds */
	scope?: MirrorScope;
	/** addresses to treat as local besides the node's interfaces (e.g. the dataplane's WAN addresses) */
	localAddresses?: string[];
	/** default: a NETLINK_XFRM socket */
	kernel?: KernelSource;
	/** metrics hook: seconds from a kernel change to the dataplane matching it */
	onSynced?: (lagSeconds: number) => void;
	writebackIntervalMs?: number;
	/** the event socket's receive buffer in bytes (default 8 MiB) */
	eventRcvbuf?: number;
}

export interface XfrmAgent {
	mirror: XfrmMirror;
	writeback: XfrmWriteback;
	stop(): Promise<void>;
}

/** {options} => mirroring and writing back; resolves once the dataplane equals the kernel */
export async function startXfrmAgent(o: XfrmAgentOptions): Promise<XfrmAgent> {
	const kernel = o.kernel ?? netlinkKernel(o.eventRcvbuf ? { eventRcvbuf: o.eventRcvbuf } : {});
	const mirror = new XfrmMirror({
		dataplane: o.dataplane, kernel, log: o.log, isLocal: localAddressCheck(o.localAddresses),
		...(o.scope ? { scope: o.scope } : {}), ...(o.onSynced ? { onSynced: o.onSynced } : {}),
	});
	const writeback = new XfrmWriteback({ mirror, dataplane: o.dataplane, kernel, log: o.log, ...(o.writebackIntervalMs ? { intervalMs: o.writebackIntervalMs } : {}) });
	await mirror.start();
	writeback.start();
	return {
		mirror,
		writeback,
		async stop() {
			await writeback.stop();
			await mirror.stop();
			kernel.close();
		},
	};
}
