// Two worker lcores encrypt on the same SAs at once and the SAs' limits stay exact: an SA with
// a hard lifetime of LIMIT packets sends exactly LIMIT, and an SA with LIMIT sequence numbers
// left before 2^32 sends exactly those, each number once, and stops without wrapping.
// Setup: test/dataplane/multicore.ts.
import { join } from 'node:path';
import test from 'ava';
import { espSeq, espSpi, innerFrame, readPcap, runWorkers, senderConfig, WORKERS, writePcap } from './multicore.js';
import { scratch } from './harness.js';

const LIMIT = 10_000;
const PER_QUEUE = 2 * LIMIT; // per SA and worker: 2 x 20000 offered against the limit
const LAST = 2 ** 32 - 1;

const sa = senderConfig.sas[0]!;
const config = {
	...senderConfig,
	sas: [{ ...sa, spi: '0x100', lifetime: { hardPackets: LIMIT } }, { ...sa, spi: '0x200', seq: String(LAST - LIMIT) }],
	policies: [
		{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.1/32', action: 'protect', spi: '0x100' },
		{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.2/32', action: 'protect', spi: '0x200' },
	],
};

test('a hard packet lifetime and the end of the sequence space are exact under two workers', async t => {
	const { dir, remove } = scratch('mc-limits');
	t.teardown(remove);
	for (let q = 0; q < WORKERS; q++)
		writePcap(join(dir, `lan_in_${q}.pcap`), Array.from({ length: 2 * PER_QUEUE }, (_, i) => innerFrame(1000 + q, i, 1 + (i % 2))));
	const offered = WORKERS * PER_QUEUE;
	// the limits must be exact on every run; a run counts as concurrent when both workers got
	// packets of both SAs out before the limits (a loaded machine may run one worker alone)
	let concurrent = false;
	for (let attempt = 1; attempt <= 3 && !concurrent; attempt++) {
		const r = await runWorkers(dir, `sender${attempt}`, config, 'lan', ['lan_in_0.pcap', 'lan_in_1.pcap'], [`wan_out_0_${attempt}.pcap`, `wan_out_1_${attempt}.pcap`]);
		const queues = [0, 1].map(k => readPcap(join(dir, `wan_out_${k}_${attempt}.pcap`)).map(p => p.frame));
		const seqs = (spi: number) => queues.flat().filter(f => espSpi(f) === spi).map(espSeq).sort((a, b) => a - b);
		const stats = (spi: string) => r.stats.sas.find(s => s.spi === spi)!;

		t.deepEqual(seqs(0x100), Array.from({ length: LIMIT }, (_, i) => i + 1), 'lifetime: exactly LIMIT packets, numbers 1..LIMIT');
		t.is(stats('0x100').packets, LIMIT);
		t.true(stats('0x100').stopped);
		t.is(stats('0x100').drops['lifetime_expired'], offered - LIMIT);

		t.deepEqual(seqs(0x200), Array.from({ length: LIMIT }, (_, i) => LAST - LIMIT + 1 + i), 'sequence space: the last LIMIT numbers, once each');
		t.is(stats('0x200').packets, LIMIT);
		t.true(stats('0x200').stopped);
		t.is(stats('0x200').drops['seq_exhausted'], offered - LIMIT);
		t.is(stats('0x200').seq, String(LAST), 'the SA says the last number sent, not what was reserved past it');

		concurrent = [0x100, 0x200].every(spi => queues.every(q => q.some(f => espSpi(f) === spi)));
		t.log(`run ${attempt}: ${queues.map(q => q.length).join(' + ')} packets per worker`);
	}
	t.true(concurrent, 'in one of three runs both workers sent on both SAs');
});
