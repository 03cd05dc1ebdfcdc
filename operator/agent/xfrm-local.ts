// Which addresses are this node's, for the direction of kernels without XFRMA_SA_DIR: an
// SA whose destination is local is inbound. The interface list is re-read at most once a
// second (addresses change rarely; SAs arrive in bursts).
import { networkInterfaces } from 'node:os';

export function localAddressCheck(extra: readonly string[] = []): (addr: string) => boolean {
	let at = 0;
	let set = new Set<string>();
	return (addr: string) => {
		const now = Date.now();
		if (now - at > 1000) {
			set = new Set([...extra, ...Object.values(networkInterfaces()).flatMap(l => (l ?? []).map(i => i.address.split('%')[0] ?? ''))]);
			at = now;
		}
		return set.has(addr);
	};
}
