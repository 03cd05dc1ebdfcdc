// Two worker lcores on one SA, for the many-core tests. net_pcap gives a port one RX queue per
// rx_pcap file and one TX queue per tx_pcap file, so with two files and two workers each worker
// owns one RX and one TX queue, exactly as with a multi-queue NIC; each input file carries its
// own flows, as RSS would keep them.
//
//   sender (2 workers):   lan_in_0 ─┐                     ┌─ wan_out_0 (worker 0's TX queue)
//                         lan_in_1 ─┴─ out SA 0x100 (one) ┴─ wan_out_1 (worker 1's TX queue)
//   receiver (2 workers): wan_out_0/1 as its two RX queues ─ in SA 0x100 (one window) ─ lan_out_0/1
//
// Inner packets are IPv4/UDP 10.1.0.1 -> 10.2.0.1; the UDP source port is the flow, the first
// four payload bytes its index within the flow.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { pcap } from '../../bench/dataplane/esp-setup.js';
import { nonZero, run, runnerPath, type Run, type Stats } from './harness.js';

export const WORKERS = 2;
const KEY = `0x${'5a'.repeat(16)}0a0b0c0d`;
const gcm = { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 };
const ports = [{ name: 'wan', port: 0, role: 'wan' }, { name: 'lan', port: 1, role: 'lan' }];

/** {workers} => EAL arguments: worker lcore k on CPU k - 1, the (sleeping) main lcore on either */
export function ealArgs(workers: number, prefix: string): string[] {
	const lcores = ['0@(0-1)', ...Array.from({ length: workers }, (_, k) => `${k + 1}@${k % 2}`)].join(',');
	return ['--lcores', lcores, '--no-pci', '--no-huge', '-m', '512', '--no-shconf', '--no-telemetry', '--file-prefix', `${prefix}${process.pid}`];
}

export const senderConfig = {
	ports,
	sas: [{ spi: '0x100', dir: 'out', src: '192.0.2.1', dst: '192.0.2.2', aead: gcm }],
	policies: [{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
	routes: [{ dst: '192.0.2.0/24', port: 'wan' }],
	neighbors: [{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
};

/** The peer of the sender. Its window is the widest (32768): on a shared machine a worker
 * can be descheduled between taking its sequence numbers and sending them, so how far the two
 * workers' packets interleave has no bound a test could rely on; these tests are about
 * uniqueness and exact duplicate detection, the reorder distance is documented instead. */
export const receiverConfig = {
	ports,
	sas: [{ spi: '0x100', dir: 'in', src: '192.0.2.1', dst: '192.0.2.2', replayWindow: 32768, aead: gcm }],
	policies: [{ dir: 'in', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
	routes: [{ dst: '10.2.0.0/16', port: 'lan', via: '10.2.255.254' }],
	neighbors: [{ ip: '10.2.255.254', mac: '02:00:00:00:01:fe', port: 'lan' }],
};

/** {flow (UDP source port), index, last byte of the 10.2.0.x destination} => an Ethernet frame
 * with a 64-byte inner IPv4/UDP packet */
export function innerFrame(flow: number, index: number, dst = 1): Buffer {
	const ip = Buffer.alloc(64);
	ip.set([0x45, 0, 0, 64, 0, 0, 0, 0, 64, 17, 0, 0, 10, 1, 0, 1, 10, 2, 0, dst]);
	let sum = 0;
	for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
	while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
	ip.writeUInt16BE(~sum & 0xffff, 10);
	ip.writeUInt16BE(flow, 20);
	ip.writeUInt16BE(9, 22);
	ip.writeUInt16BE(44, 24);
	ip.writeUInt32BE(index, 28);
	return Buffer.concat([Buffer.from('020000000101020000000102' + '0800', 'hex'), ip]);
}

/** {inner frame} => [flow, index] */
export function flowOf(frame: Buffer): [number, number] {
	return [frame.readUInt16BE(14 + 20), frame.readUInt32BE(14 + 28)];
}

/** {ESP frame over IPv4} => its SPI */
export function espSpi(frame: Buffer): number {
	return frame.readUInt32BE(14 + 20);
}

/** {ESP frame over IPv4} => its 32-bit sequence number */
export function espSeq(frame: Buffer): number {
	return frame.readUInt32BE(14 + 20 + 4);
}

/** {pcap file} => its frames with their timestamps in microseconds, in file order */
export function readPcap(path: string): { us: number; frame: Buffer }[] {
	const buf = readFileSync(path);
	const out: { us: number; frame: Buffer }[] = [];
	for (let off = 24; off + 16 <= buf.length;) {
		const len = buf.readUInt32LE(off + 8);
		out.push({ us: buf.readUInt32LE(off) * 1e6 + buf.readUInt32LE(off + 4), frame: buf.subarray(off + 16, off + 16 + len) });
		off += 16 + len;
	}
	return out;
}

export function writePcap(path: string, frames: Buffer[]): void {
	writeFileSync(path, pcap(frames));
}

/** {dir, config, rx files per queue of the port that receives, tx file names per queue of the
 * port that sends, which port receives} => the runner's exit, output and counters */
export async function runWorkers(dir: string, name: string, config: object, rxPort: 'wan' | 'lan', rx: string[], tx: string[],
	env: Record<string, string> = {}): Promise<Run & { stats: Stats }> {
	writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
	const empty = join(dir, 'empty.pcap');
	writePcap(empty, []);
	const files = (k: string, list: string[]) => list.map(f => `${k}=${join(dir, f)}`).join(',');
	// the receiving port reads the inputs and writes a sink; the sending one the other way round
	const recv = `${files('rx_pcap', rx)},tx_pcap=${join(dir, `${name}-sink.pcap`)}`;
	const send = `${rx.map(() => `rx_pcap=${empty}`).join(',')},${files('tx_pcap', tx)}`;
	const wan = rxPort === 'wan' ? recv : send;
	const lan = rxPort === 'lan' ? recv : send;
	const statsPath = join(dir, `${name}-stats.json`);
	const r = await run(runnerPath, ['--config', join(dir, `${name}.json`), '--until-idle', '1500', '--stats-json', statsPath,
		'--log', join(dir, `${name}.log`), '--', ...ealArgs(WORKERS, `mc${name}`), '--vdev', `net_pcap0,${wan}`, '--vdev', `net_pcap1,${lan}`],
	{ timeoutMs: 180_000, env });
	if (r.code !== 0) throw new Error(`${name}: esplane-dp exited ${r.code}: ${r.stderr.slice(-2000)}`);
	const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as Stats;
	return { ...r, stats };
}

/** {n flows per queue, packets per flow} => lan_in_<q>.pcap for each worker's queue, flows
 * interleaved packet by packet; returns the total number of packets */
export function writeFlows(dir: string, flowsPerQueue: number, perFlow: number): number {
	for (let q = 0; q < WORKERS; q++) {
		const frames: Buffer[] = [];
		for (let i = 0; i < perFlow; i++)
			for (let f = 0; f < flowsPerQueue; f++) frames.push(innerFrame(1000 + q * 100 + f, i));
		writePcap(join(dir, `lan_in_${q}.pcap`), frames);
	}
	return WORKERS * flowsPerQueue * perFlow;
}

/** Sender then receiver, both on two workers; what each wrote, and their counters. */
export async function sendAndReceive(dir: string, flowsPerQueue: number, perFlow: number) {
	const total = writeFlows(dir, flowsPerQueue, perFlow);
	const q = Array.from({ length: WORKERS }, (_, k) => k);
	const sender = await runWorkers(dir, 'sender', senderConfig, 'lan', q.map(k => `lan_in_${k}.pcap`), q.map(k => `wan_out_${k}.pcap`));
	const wire = q.map(k => readPcap(join(dir, `wan_out_${k}.pcap`)).map(p => p.frame));
	const receiver = await runWorkers(dir, 'receiver', receiverConfig, 'wan', q.map(k => `wan_out_${k}.pcap`), q.map(k => `lan_out_${k}.pcap`));
	const delivered = q.map(k => readPcap(join(dir, `lan_out_${k}.pcap`)).map(p => p.frame));
	return { total, sender, receiver, wire, delivered, senderDrops: nonZero(sender.stats.drops), receiverDrops: nonZero(receiver.stats.drops) };
}

/** {one RX queue's input file, flows in it and packets per flow} => the receiver run up to
 * three times on two workers, checking on every run that nothing but `drops` is dropped, every
 * packet is accepted once and every flow leaves complete and in order; true when in one run both
 * workers decrypted (a loaded machine may leave the second one descheduled throughout, and
 * then the first takes its bursts back) */
export async function receiveSpread(t: ExecutionContext, dir: string, config: object, input: string, flows: number, perFlow: number,
	env: Record<string, string> = {}, drops: Record<string, number> = {}): Promise<boolean> {
	const total = flows * perFlow;
	for (let attempt = 1; attempt <= 3; attempt++) {
		const r = await runWorkers(dir, `receiver${attempt}`, config, 'wan', [input], [`lan_out_0_${attempt}.pcap`, `lan_out_1_${attempt}.pcap`], env);
		t.deepEqual(nonZero(r.stats.drops), drops, 'no replay (or any other) drop but those expected');
		t.is(r.stats.sas[0]!.packets, total);
		const workers = r.stats.workers ?? [];
		t.is(workers.length, 2);
		t.log(`run ${attempt}: decrypted ${workers.map(w => w.esp_packets).join(' + ')}`);

		const out = [0, 1].flatMap(k => readPcap(join(dir, `lan_out_${k}_${attempt}.pcap`)).map(p => flowOf(p.frame)));
		t.is(out.length, total);
		const byFlow = new Map<number, number[]>();
		for (const [flow, idx] of out) byFlow.set(flow, [...(byFlow.get(flow) ?? []), idx]);
		t.is(byFlow.size, flows);
		for (const [flow, idx] of byFlow)
			t.deepEqual(idx, Array.from({ length: perFlow }, (_, i) => i), `flow ${flow} complete and in order`);
		if (workers.every(w => w.esp_packets > 0)) return true;
	}
	return false;
}
