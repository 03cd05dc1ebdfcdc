// esplane next to the IPsec paths a user would otherwise pick, on the same topology and the
// same iperf3 TCP run (bench/compare/ipsec-paths.sh draws it): strongSwan's userspace ESP
// (kernel-libipsec) and the kernel's XFRM. esplane runs on af_packet ports, so all three move
// packets through the same kernel veths and the difference is the IPsec path.
//
// The host kernel has no ESP (shared/TESTBED.md), so the kernel's XFRM is measured in a UML
// guest (one CPU), and esplane is measured there too: esplane/kernel is a ratio within the
// guest, esplane/libipsec a ratio on the host (2 CPUs). A number from one is never divided by
// a number from the other.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupUml, runInUml } from '../../test/helpers/uml.js';
import type { Benchmark, BenchRow } from '../types.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, 'ipsec-paths.sh');

type Variant = 'esplane' | 'libipsec' | 'kernel';
interface Run { gbps: number; retransmits: number; ipsecCpuSeconds: number; machineBusySeconds: number; wallSeconds: number; cpus: number; seconds: number }

const label: Record<Variant, string> = {
	esplane: 'esplane-dp (af_packet ports)',
	libipsec: 'strongSwan kernel-libipsec',
	kernel: 'Linux XFRM',
};

/** Reads what ipsec-paths.sh wrote for one variant; throws with its diagnostics if it wrote nothing. */
function readRun(dir: string, variant: Variant, why: string): Run {
	const file = join(dir, 'iperf.json');
	if (!existsSync(file)) {
		const debug = existsSync(join(dir, 'debug.txt')) ? readFileSync(join(dir, 'debug.txt'), 'utf8').slice(0, 3000) : '';
		throw new Error(`${variant}: no iperf3 result: ${why.slice(-1500)}\n${debug}`);
	}
	const j = JSON.parse(readFileSync(file, 'utf8')) as { error?: string; end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } } };
	if (j.error) throw new Error(`${variant}: iperf3: ${j.error}`);
	const cpu = JSON.parse(readFileSync(join(dir, 'cpu.json'), 'utf8')) as Omit<Run, 'gbps' | 'retransmits'>;
	return { gbps: j.end.sum_received.bits_per_second / 1e9, retransmits: j.end.sum_sent.retransmits ?? 0, ...cpu };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function row(where: string, variant: Variant, r: Run, ref?: { variant: Variant; run: Run }): BenchRow {
	return {
		case: `TCP host-a → host-b, ${label[variant]}, ${where}`,
		value: round(r.gbps),
		unit: 'Gbit/s',
		...(ref ? { reference: { name: `${label[ref.variant]}, ${where}`, value: round(ref.run.gbps), unit: 'Gbit/s' }, ratio: round(r.gbps / ref.run.gbps) } : {}),
		extra: {
			// esplane's workers busy-poll: its CPU is a core per gateway whatever the rate.
			ipsecCpuSeconds: round(r.ipsecCpuSeconds, 2),
			machineBusyPercent: round((100 * r.machineBusySeconds) / (r.wallSeconds * r.cpus), 1),
			retransmits: r.retransmits,
			seconds: r.seconds,
		},
	};
}

const bench: Benchmark = {
	title: 'IPsec paths side by side: esplane vs strongSwan libipsec vs kernel XFRM (iperf3 TCP)',
	async run({ quick, workDir, log }) {
		const seconds = quick ? 1 : 10;
		const load = loadavg()[0] ?? 0;
		const prefix = `bcmp-${process.pid}`;

		// On the host: esplane and libipsec, each gateway's dataplane on its own CPU.
		const host: Partial<Record<Variant, Run>> = {};
		for (const v of ['esplane', 'libipsec'] as const) {
			const out = join(workDir, `host-${v}`);
			log(`host: ${v}, ${seconds} s`);
			const r = spawnSync('sh', [script, v, String(seconds), out, `${prefix}-${v.slice(0, 3)}`], { encoding: 'utf8', timeout: (seconds + 120) * 1000 });
			host[v] = readRun(out, v, `${r.stderr ?? ''} ${r.error?.message ?? ''}`);
			log(`  ${host[v]!.gbps.toFixed(3)} Gbit/s`);
		}

		// In a UML guest (a kernel with ESP, one CPU): the kernel, and in a full run esplane and
		// libipsec beside it (a quick run has seen esplane's path on the host already).
		const guestVariants: Variant[] = quick ? ['kernel'] : ['kernel', 'esplane', 'libipsec'];
		log(`UML guest: ${guestVariants.join(', ')}, ${seconds} s each`);
		const uml = await runInUml(
			guestVariants.map(v => `ESP_CPUS="0 0" sh bench/compare/ipsec-paths.sh ${v} ${seconds} "$OUT/${v}" bcmpu-${v} || echo "${v} failed"`).join('\n'),
			{ timeoutMs: (guestVariants.length * (seconds + 90) + 60) * 1000, memMB: 1024 },
		);
		const guest: Partial<Record<Variant, Run>> = {};
		try {
			for (const v of guestVariants) {
				guest[v] = readRun(join(uml.outDir, v), v, `${uml.failure ?? ''}\n${uml.log}`);
				log(`  ${v}: ${guest[v]!.gbps.toFixed(3)} Gbit/s`);
			}
		} finally {
			cleanupUml(uml);
		}

		const rows: BenchRow[] = [
			row('host (2 CPUs)', 'esplane', host.esplane!, { variant: 'libipsec', run: host.libipsec! }),
			row('host (2 CPUs)', 'libipsec', host.libipsec!),
			row('UML guest (1 CPU)', 'kernel', guest.kernel!),
		];
		if (guest.esplane) rows.splice(2, 0, row('UML guest (1 CPU)', 'esplane', guest.esplane, { variant: 'kernel', run: guest.kernel! }));
		if (guest.libipsec) rows.push(row('UML guest (1 CPU)', 'libipsec', guest.libipsec, { variant: 'kernel', run: guest.kernel! }));
		return {
			name: 'IPsec paths side by side (same topology, same iperf3 TCP run)',
			rows,
			notes: [
				`host load average ${load.toFixed(1)} at start (2 shared vCPUs); ratios are within one environment, never across host and guest`,
				'the kernel XFRM is unavailable on the host (no ESP in its kernel): measured only in the UML guest',
				'all three on the same veths, hosts at MTU 1400 with TX checksum offload off; AES-GCM-128, manual SAs for esplane and the kernel, IKEv2-negotiated aes128gcm16 for libipsec (always UDP-encapsulated in strongSwan 5.9)',
				'esplane busy-polls one worker per gateway: ipsecCpuSeconds is a full CPU per gateway whatever the rate, and on the one-CPU guest the two spinning workers share the CPU with iperf3 and the kernel',
				'af_packet ports cap esplane at what the kernel veth I/O moves (a few hundred kpps per core here): these numbers compare IPsec paths on kernel I/O, not esplane on VFs',
			],
		};
	},
};

export default bench;
