// Inside-the-guest half of an end-to-end scenario: builds the two sites (TwoSites), runs the
// scenario body, records the facts it measured into $OUT/result.json, and always takes the
// sites down. The ava file on the host asserts on those facts (see run.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TwoSites, type SitesOptions } from '../../operator/demo/sites.js';

export type Facts = Record<string, unknown>;

export async function scenario(name: string, opts: Partial<SitesOptions>, body: (sites: TwoSites, facts: Facts) => Promise<void>): Promise<void> {
	const out = process.env['OUT'] ?? '/tmp';
	const dataplane = (process.env['ESPLANE_E2E_DATAPLANE'] ?? 'kernel') as 'kernel' | 'dpdk';
	const sites = new TwoSites({ prefix: 'espe2e', dataplane, work: join(process.env['SCRATCH'] ?? '/tmp', `e2e-${name}`), ...opts });
	const facts: Facts = { dataplane };
	let code = 0;
	try {
		await sites.up();
		await body(sites, facts);
	} catch (e) {
		code = 1;
		facts['error'] = (e as Error).stack ?? String(e);
		facts['logs'] = sites.logs(30);
	} finally {
		await sites.down();
		writeFileSync(join(out, 'result.json'), JSON.stringify(facts, null, 2));
	}
	process.exit(code);
}

type Namespace = Parameters<TwoSites['exec']>[0];

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Packets in a capture file matching a tcpdump filter. */
export function countPackets(sites: TwoSites, ns: Namespace, file: string, filter: string): number {
	const text = sites.exec(ns, ['sh', '-c', `tcpdump -nn -r ${file} '${filter}' 2>/dev/null | wc -l`]);
	return Number(text.trim());
}

export interface Capture {
	file: string;
	/** stops tcpdump, waits until it has written everything, returns the file */
	stop(): Promise<string>;
}

/** Starts tcpdump and returns once it is really listening (a fixed sleep loses packets on a busy machine). */
export async function capture(sites: TwoSites, ns: Namespace, iface: string): Promise<Capture> {
	const file = `${sites.o.work}/${iface}-${Date.now()}.pcap`;
	const log = `${file}.log`;
	// --immediate-mode: without it the TPACKET_V3 ring hands packets over a block at a time,
	// and a stop can lose the last, partly filled block (seen: 8 of 10 packets captured).
	const child = sites.spawnIn(ns, ['tcpdump', '--immediate-mode', '-i', iface, '-nn', '-U', '-w', file], log);
	const deadline = Date.now() + 10_000;
	while (!(existsSync(log) && readFileSync(log, 'utf8').includes('listening on'))) {
		if (Date.now() > deadline) throw new Error(`tcpdump on ${iface} did not start: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
		await sleep(50);
	}
	return {
		file,
		stop: async () => {
			const gone = new Promise<void>(r => child.once('exit', () => r()));
			await sleep(200);
			sites.exec(ns, ['pkill', '-INT', '-f', `tcpdump --immediate-mode -i ${iface} -nn -U -w ${file}`]);
			await gone;
			return file;
		},
	};
}
