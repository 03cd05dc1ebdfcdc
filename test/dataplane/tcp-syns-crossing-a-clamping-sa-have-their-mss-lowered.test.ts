// TCP MSS clamping per SA (`mssClamp` in the SA config): SYNs leaving through a clamping SA and
// SYN-ACKs arriving through its inbound twin carry at most the clamp (1360) after the
// dataplane, with TCP checksums that verify — the MSS option first, after a NOP at an odd
// offset, over IPv4 and IPv6; an MSS already below the clamp is not raised; SYNs through an SA
// without clamping are untouched. Packets and checks: test/dataplane/esp_mtu.py.
import test from 'ava';
import { scapyRound } from './harness.js';

test('SYNs and SYN-ACKs are clamped when the SA clamps and untouched when it does not', async t => {
	const { verdict, remove } = await scapyRound<{ syns: number; synacks: number; errors: string[] }>('esp_mtu.py', 'mss');
	t.teardown(remove);
	t.deepEqual(verdict.errors.filter(e => e.includes('SYN')), []);
	t.is(verdict.syns, 6, 'four SYNs through the clamping SA, two through the other');
	t.is(verdict.synacks, 1);
});
