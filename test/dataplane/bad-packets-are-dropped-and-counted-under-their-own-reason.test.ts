// Every kind of bad packet is dropped and counted under its own reason, on the dataplane and
// on its SA, and nothing crashes: replays at every position of the window (a 64-packet window
// and a 128-packet ESN window crossing 2^32), packets older than the window, wrong ICVs,
// unknown SPIs, truncated ESP, bad padding, a bad next header, decrypted packets outside their
// SA's selectors, non-ESP on wan, exhausted sequence numbers, hard lifetimes, discard/no policy,
// no route. The packets and the expected counts come from test/dataplane/esp_negative.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { helpers, isEsp, nonZero, pcapFrames, python, run, runDataplane, scratch } from './harness.js';

interface Expected {
	drops: Record<string, number>;
	wan_tx: number;
	lan_tx: number;
	sa_drops: Record<string, Record<string, number>>;
	sa_packets: Record<string, number>;
	stopped: string[];
}

for (const [mode, env] of [['cpu', {}], ['lookaside', { ESPLANE_DP_CRYPTO: 'lookaside' }]] as const) {
test(`each bad packet is counted under its own drop reason and the rest still flows (${mode} crypto)`, async t => {
	const { dir, remove } = scratch('negative');
	t.teardown(remove);
	const gen = await run(python, [join(helpers, 'esp_negative.py'), 'gen', dir]);
	t.is(gen.code, 0, gen.stderr);
	const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;

	const dp = await runDataplane(dir, { env });
	t.is(dp.code, 0, dp.stderr);
	const stats = dp.stats!;
	t.deepEqual(nonZero(stats.drops), expected.drops);
	t.deepEqual(stats.ports.map(p => [p.name, p.tx_packets]), [['wan', expected.wan_tx], ['lan', expected.lan_tx]]);
	for (const sa of stats.sas) {
		t.deepEqual(nonZero(sa.drops), expected.sa_drops[sa.spi] ?? {}, `drops of SA ${sa.spi}`);
		t.is(sa.packets, expected.sa_packets[sa.spi] ?? 0, `packets of SA ${sa.spi}`);
		t.is(sa.stopped, expected.stopped.includes(sa.spi), `SA ${sa.spi} stopped`);
	}
	// the SA out of sequence numbers stopped at the last one and said so
	t.is(stats.sas.find(sa => sa.spi === '0x4001')?.seq, String(0xffffffff));
	// nothing left the wan port in clear
	const wanOut = pcapFrames(join(dir, 'wan_out.pcap'));
	t.is(wanOut.length, expected.wan_tx);
	t.true(wanOut.every(isEsp));
});
}
