// A fixed AgentSnapshot the metrics tests feed the registry with: two tunnels, a rekeyed
// pair of SAs, drops of several reasons and two lcores. The drop-reason names stand in for
// the binding's `dropNames()`; the metrics module must take whatever list it is given.
import type { AgentSnapshot } from '../../operator/metrics/snapshot.js';

export const FAKE_DROP_NAMES = ['no_sa', 'replay_window', 'replay_duplicate', 'auth_icv_mismatch', 'policy_discard', 'ttl_exceeded'] as const;

export function fakeSnapshot(): AgentSnapshot {
	return {
		tunnels: [
			{
				tunnel: 'site-a/to-b',
				ikeState: 'established',
				packets: { in: 1000n, out: 1200n },
				bytes: { in: 1_500_000n, out: 1_800_000n },
				drops: { replay_window: 3n, auth_icv_mismatch: 2n },
				rekeys: { ike: 1n, child: 4n },
			},
			{
				tunnel: 'site-a/to-c',
				ikeState: 'connecting',
				packets: { in: 0, out: 0 },
				bytes: { in: 0, out: 0 },
				drops: {},
				rekeys: { ike: 0, child: 0 },
			},
		],
		sas: [
			{ tunnel: 'site-a/to-b', spi: '0xc0000100', dir: 'out', packets: 1200n, bytes: 1_800_000n, drops: {}, state: 'active', seqRemaining: 4_294_966_095n },
			{ tunnel: 'site-a/to-b', spi: '0xc0000200', dir: 'in', packets: 1000n, bytes: 1_500_000n, drops: { replay_window: 3n, replay_duplicate: 4n, auth_icv_mismatch: 2n }, state: 'active' },
		],
		drops: { no_sa: 7n, replay_window: 3n, replay_duplicate: 4n, auth_icv_mismatch: 2n },
		lcores: [
			{ lcore: 1, role: 'worker', busyRatio: 0.25 },
			{ lcore: 2, role: 'worker', busyRatio: 0.5 },
		],
	};
}
