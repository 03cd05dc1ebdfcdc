// Which addresses are this node's, for the direction of kernels without XFRMA_SA_DIR: an
// SA whose destination is local is inbound. The interface list is re-read at most once a
// second (addresses change rarely; SAs arrive in bursts). The age check is a counter a timer
// bumps, not a clock read per call: under UML every clock read is a system call, and a full
// sync asks once per SA.
import { networkInterfaces } from 'node:os';

export function localAddressCheck(extra: readonly string[] = []): (addr: string) => boolean {
	let tick = 0, readAt = -1;
	let set = new Set<string>();
	const timer = setInterval(() => { tick++; }, 1000);
	timer.unref();
	return (addr: string) => {
		if (readAt !== tick) {
			set = new Set([...extra, ...Object.values(networkInterfaces()).flatMap(l => (l ?? []).map(i => i.address.split('%')[0] ?? ''))]);
			readAt = tick;
		}
		return set.has(addr);
	};
}
