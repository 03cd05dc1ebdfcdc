// A real kernel (UML): the agent mirrors four SAs (out/in, with and without ESN), traffic is
// played through the dataplane and written back, then more traffic that is NOT written back,
// then SIGKILL and a second agent.
//
//   agent #1: sync ─ traffic ─ write-back ─ `ip -s xfrm state` ─ more traffic ─ SIGKILL
//   agent #2: sync from the dump ─ `ip -s xfrm state`
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SEQ_MARGIN } from '../../operator/agent/xfrm-mirror.js';
import { cleanupUml, runInUml } from '../helpers/uml.js';

interface Counter { spi: string; dir: string; packets: string; bytes: string; seq: string }
interface State { sas: Array<{ spi: string; seq?: string }>; spd: unknown; counters: Counter[] }

/** `ip -s xfrm state` text => per SPI: bytes, packets, and the sequence state it prints. */
function parseIpStats(text: string): Map<string, { bytes: bigint; packets: bigint; seq: bigint; oseq: bigint }> {
	const out = new Map<string, { bytes: bigint; packets: bigint; seq: bigint; oseq: bigint }>();
	for (const block of text.split(/^src /m).slice(1)) {
		const spi = `0x${Number.parseInt(block.match(/spi (0x[0-9a-f]+)/)?.[1] ?? '0', 16).toString(16)}`;
		const cur = block.match(/lifetime current:\s+(\d+)\(bytes\), (\d+)\(packets\)/);
		const esn = block.match(/seq-hi (0x[0-9a-f]+), seq (0x[0-9a-f]+), oseq-hi (0x[0-9a-f]+), oseq (0x[0-9a-f]+)/);
		const plain = block.match(/anti-replay context: seq (0x[0-9a-f]+), oseq (0x[0-9a-f]+)/);
		const seq = esn ? (BigInt(esn[1]!) << 32n) | BigInt(esn[2]!) : BigInt(plain?.[1] ?? -1);
		const oseq = esn ? (BigInt(esn[3]!) << 32n) | BigInt(esn[4]!) : BigInt(plain?.[2] ?? -1);
		out.set(spi, { bytes: BigInt(cur?.[1] ?? -1), packets: BigInt(cur?.[2] ?? -1), seq, oseq });
	}
	return out;
}

test('write-back matches the dataplane to the packet; after SIGKILL the same state returns and outbound numbers continue above every one sent', async t => {
	const r = await runInUml('node --import tsx test/xfrm/guest-restart-scenario.ts', { timeoutMs: 120_000 });
	t.is(r.exitCode, 0, r.log + (r.failure ?? ''));
	const res = JSON.parse(readFileSync(join(r.outDir, 'restart.json'), 'utf8')) as Record<string, unknown>;
	const state1 = res['state1'] as State, state2 = res['state2'] as State;
	const counters1 = res['counters1'] as Counter[], atKill = res['countersAtKill'] as Counter[];
	t.is(res['killedBy'], 'SIGKILL');
	t.is(state1.sas.length, 4);

	// 1. `ip -s xfrm state` shows the dataplane's counters and sequence state, to the packet.
	const ip1 = parseIpStats(String(res['ipStats1']));
	for (const c of counters1) {
		const k = ip1.get(c.spi);
		t.is(k?.packets, BigInt(c.packets), `${c.spi} packets`);
		t.is(k?.bytes, BigInt(c.bytes), `${c.spi} bytes`);
		t.is(c.dir === 'out' ? k?.oseq : k?.seq, BigInt(c.seq), `${c.spi} ${c.dir === 'out' ? 'oseq' : 'replay seq'}`);
	}
	t.deepEqual(counters1.map(c => c.packets).sort(), ['1000', '20', '300', '40']);

	// 2. The restarted agent holds the same SAs and SPD, without any renegotiation (same SPIs).
	const strip = (s: State) => s.sas.map(({ seq: _seq, ...rest }) => rest);
	t.deepEqual(strip(state2), strip(state1));
	t.deepEqual(state2.spd, state1.spd);

	// 3. Outbound continues above every number agent #1 sent, including the unreported ones;
	//    inbound resumes from the written-back replay state.
	for (const c of atKill) {
		const resumed = BigInt(state2.sas.find(s => s.spi === c.spi)?.seq ?? 0);
		const written = BigInt(counters1.find(x => x.spi === c.spi)?.seq ?? 0);
		if (c.dir === 'out') {
			t.true(resumed > BigInt(c.seq), `${c.spi}: resumes at ${resumed}, above the last sent ${c.seq}`);
			t.is(resumed, written + DEFAULT_SEQ_MARGIN + 1n, `${c.spi}: last written-back oseq + margin`);
		} else {
			t.is(resumed, written, `${c.spi}: inbound replay state`);
		}
	}
	// And the kernel already holds the new starting point, in case agent #2 dies too.
	const ip2 = parseIpStats(String(res['ipStats2']));
	t.is(ip2.get('0x5001')?.oseq, BigInt(counters1.find(c => c.spi === '0x5001')!.seq) + DEFAULT_SEQ_MARGIN);
	cleanupUml(r);
});
