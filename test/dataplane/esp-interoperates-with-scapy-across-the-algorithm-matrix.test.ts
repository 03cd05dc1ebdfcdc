// esplane's ESP and Scapy's independent ESP decrypt each other, byte for byte, for every
// algorithm x outer IPv4/IPv6 x inner IPv4/IPv6 x ESN x NAT-T combination — all 112 SA pairs
// in one config and one pcap per direction (test/dataplane/esp_matrix.py draws the topology),
// 257 packets with inner sizes 1..1500 bytes per SA — once with synchronous CPU crypto and once
// with lookaside crypto (crypto_openssl). Every 8th packet each way is Scapy's; the rest are
// encrypted and checked by esp_codec.py (the RFCs over the cryptography library), which gen
// first proves against Scapy's packets.
import { join } from 'node:path';
import test from 'ava';
import { helpers, nonZero, python, run, runDataplane, scratch } from './harness.js';

const { dir, remove } = scratch('matrix');
let combos = 0;
let packets = 0;

test.before('Scapy and esp_codec.py encrypt one 257-packet burst per combination', async () => {
	const gen = await run(python, [join(helpers, 'esp_matrix.py'), 'gen', dir], { timeoutMs: 170_000 });
	if (gen.code !== 0) throw new Error(`esp_matrix.py gen failed: ${gen.stderr}`);
	({ combos, packets } = JSON.parse(gen.stdout) as { combos: number; packets: number });
});
test.after.always(remove);

const modes: [string, Record<string, string>][] = [
	['cpu', {}],
	['lookaside', { ESPLANE_DP_CRYPTO: 'lookaside' }],
];

for (const [mode, env] of modes) {
	test.serial(`every combination decrypts byte-identically both ways with exact counters (${mode} crypto)`, async t => {
		t.is(combos, 112);
		t.is(packets, 112 * 257);
		const dp = await runDataplane(dir, { suffix: `-${mode}`, env });
		t.is(dp.code, 0, dp.stderr);
		const stats = dp.stats!;
		t.deepEqual(nonZero(stats.drops), {}, 'no packet dropped');
		t.deepEqual(stats.ports.map(p => [p.name, p.rx_packets, p.tx_packets]), [
			['wan', packets, packets],
			['lan', packets, packets],
		]);
		t.is(stats.sas.length, 2 * combos);
		t.is(stats.sas.reduce((sum, sa) => sum + sa.packets, 0), 2 * packets, 'every packet counted on its SA');
		t.true(stats.sas.every(sa => !sa.stopped && Object.keys(nonZero(sa.drops)).length === 0));

		const check = await run(python, [join(helpers, 'esp_matrix.py'), 'check', dir, `-${mode}`], { timeoutMs: 170_000 });
		const verdict = JSON.parse(check.stdout) as { ok: { out: number; in: number }; errors: string[] };
		t.deepEqual(verdict.errors, []);
		t.deepEqual(verdict.ok, { out: packets, in: packets });
		t.is(check.code, 0, check.stderr);
	});
}
