// The traffic gap during a rekey: a charon-negotiated tunnel between the demo's two sites in a
// UML guest (as in test/e2e/rekeys-under-a-steady-stream-lose-no-packets; gw-a on the kernel's
// ESP, then on the dpdk dataplane owning its wire), a
// 1,000 packets/s UDP stream host-a → host-b, CHILD SA rekeys forced over VICI. Per rekey:
// the longest silence at the receiver and the packets lost in a window around it; the same
// measured over a stretch of stream before any rekey, as the baseline a one-CPU guest on a
// shared machine gives anyway.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../../test/helpers/uml.js';
import type { Benchmark, BenchRow } from '../types.js';
import { percentile, windowStats, type WindowStats } from './gaps.js';

/** the stretch after a rekey request its gap and losses are counted in */
const windowMs = 2000;

interface Facts {
	dataplane: string;
	error?: string;
	logs?: string;
	pps: number;
	rekeyAt: number[];
	outboundSpis: string[];
	ipsecDrops: Record<string, number>;
	sendTimes: number[];
	arrivals: Array<[number, number]>;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

const bench: Benchmark = {
	title: 'the traffic gap during a CHILD SA rekey (UML: gw-a on kernel ESP and on the dpdk dataplane)',
	async run({ quick, log }) {
		const rekeys = quick ? 1 : 6;
		const load = loadavg()[0] ?? 0;
		// gw-a's dataplane: kernel ESP mirrored by the agent, and the dpdk dataplane owning gw-a's
		// wire (af_packet ports, exception TAPs for IKE). ESPLANE_BENCH_REKEY_DATAPLANES picks.
		// A quick run keeps to kernel mode: one guest, and the dpdk sites are the end-to-end tests' to guard.
		const dataplanes = (process.env['ESPLANE_BENCH_REKEY_DATAPLANES'] ?? (quick ? 'kernel' : 'kernel,dpdk')).split(',');
		const rows: BenchRow[] = [];
		for (const dataplane of dataplanes) rows.push(...(await measure(dataplane, rekeys, quick, log)));
		return {
			name: 'rekey gap (1,000 packets/s UDP host-a → host-b, CHILD SA rekeyed over VICI)',
			rows,
			notes: [
				`UML guest (one CPU), host load average ${load.toFixed(1)} at start: the baseline is what the guest stalls and loses without any rekey`,
				`each rekey's numbers count the ${windowMs / 1000} s after swanctl --rekey; gaps include the stream's own 1 ms spacing`,
				'dpdk: gw-a\'s dataplane on af_packet ports owns the wire (two lcores on the guest\'s one CPU, the worker busy-polling beside charon, the agent and the stream)',
			],
		};
	},
};

async function measure(dataplane: string, rekeys: number, quick: boolean, log: (m: string) => void): Promise<BenchRow[]> {
	log(`UML guest: ${rekeys} rekey(s) under a 1,000 packets/s stream, gw-a ${dataplane}`);
	const r = await runInUml('exec node --import tsx bench/compare/rekey-gap.guest.ts', {
		env: { REKEYS: String(rekeys), REKEY_SPACING_MS: quick ? '2500' : '3000', ESPLANE_E2E_DATAPLANE: dataplane },
		timeoutMs: 300_000, memMB: 1024,
	});
	const file = join(r.outDir, 'result.json');
	const facts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Facts) : undefined;
	const why = `${r.failure ?? ''}\n${facts?.error ?? ''}\n${facts?.logs ?? ''}\n${r.log.slice(-2000)}`;
	cleanupUml(r);
	if (r.exitCode !== 0 || !facts?.sendTimes) throw new Error(`guest (${dataplane}) failed: ${why}`);

	const { sendTimes, arrivals, rekeyAt } = facts;
	const per: WindowStats[] = rekeyAt.map(t => windowStats(sendTimes, arrivals, { from: t, to: t + windowMs }));
	if (per.some(p => p.sent === 0)) throw new Error(`the stream did not cover every rekey: rekeys at ${rekeyAt.join(', ')}, stream ${sendTimes[0]}..${sendTimes.at(-1)}`);
	// Baseline: the same length of stream before the first rekey, once the stream has settled.
	const start = (sendTimes[0] ?? 0) + 500;
	const baseline = windowStats(sendTimes, arrivals, { from: start, to: Math.min(start + windowMs, (rekeyAt[0] ?? Infinity) - 100) });
	const streamLost = sendTimes.length - new Set(arrivals.map(a => a[0])).size;
	log(`IPsec drops during the rekeys: ${JSON.stringify(facts.ipsecDrops)}`);
	log(`gaps ${per.map(p => p.longestGapMs.toFixed(1)).join(', ')} ms; lost ${per.map(p => p.lost).join(', ')}; baseline ${JSON.stringify(baseline)}; SPIs ${facts.outboundSpis.join(' ')}`);

	const gaps = per.map(p => p.longestGapMs), lost = per.map(p => p.lost);
	return [
		{
			case: `longest gap per rekey, gw-a ${dataplane}, ${rekeys} rekey(s)`, value: r2(percentile(gaps, 50)), unit: 'ms p50',
			reference: { name: 'longest gap without a rekey', value: r2(baseline.longestGapMs), unit: 'ms' },
			extra: { max: r2(Math.max(...gaps)), all: gaps.map(r2).join(' '), windowMs, pps: facts.pps },
		},
		{
			case: `packets lost per rekey, gw-a ${dataplane}`, value: percentile(lost, 50), unit: 'packets p50',
			reference: { name: 'lost without a rekey', value: baseline.lost, unit: 'packets' },
			extra: {
				max: Math.max(...lost), all: lost.join(' '), streamSent: sendTimes.length, streamLost, outboundSpis: facts.outboundSpis.length,
				// what the IPsec paths dropped from the first rekey to the end (kernel XFRM errors of
				// both gateways; gw-a's dataplane drops by reason in dpdk mode)
				ipsecDrops: Object.entries(facts.ipsecDrops).map(([k, v]) => `${k}=${v}`).join(' ') || 'none',
			},
		},
	];
}

export default bench;
