// What the ESP benchmarks share (esp.ts, capture-cost.ts, multicore.ts): the runner, EAL arguments, the
// packets and the two one-SA configs.
//
//   encrypt:  net_pcap (infinite_rx, clear)  -> [lan] SPD out -> ESP -> route -> [wan] net_null
//   decrypt:  net_pcap (infinite_rx, ESP)    -> [wan] SAD -> ESP -> SPD in -> route -> [lan] net_null
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const runner = join(repo, 'dataplane/build/esplane-dp');
/** {--name, default} => the value after --name on the command line */
export function opt(name: string, dflt: string): string {
	const args = process.argv.slice(2);
	const i = args.indexOf(name);
	return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
}

export const EAL = ['-l', '0,1', '--no-pci', '--no-huge', '-m', '512', '--no-shconf', '--no-telemetry', '--file-prefix', `espdpb${process.pid}`];
const KEY = `0x${'a5'.repeat(16)}01020304`;

/** {inner IPv4 size, i, sportBase} => an Ethernet frame 10.1.0.(1 + i % 200) -> 10.2.0.1, UDP
 * source port 1024 + sportBase + i (multicore.ts gives each RX queue its own flows) */
export function frame(size: number, i: number, sportBase = 0): Buffer {
	const ip = Buffer.alloc(size);
	ip.set([0x45, 0, size >> 8, size & 255, 0, 0, 0, 0, 64, 17, 0, 0, 10, 1, 0, 1 + (i % 200), 10, 2, 0, 1]);
	let sum = 0;
	for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
	while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
	ip.writeUInt16BE(~sum & 0xffff, 10);
	ip.writeUInt16BE(1024 + sportBase + i, 20);
	ip.writeUInt16BE(4791, 22);
	ip.writeUInt16BE(size - 20, 24);
	return Buffer.concat([Buffer.from('02000000010102000000010208' + '00', 'hex'), ip]);
}

export function pcap(frames: Buffer[]): Buffer {
	const head = Buffer.alloc(24);
	head.writeUInt32LE(0xa1b2c3d4, 0);
	head.writeUInt16LE(2, 4);
	head.writeUInt16LE(4, 6);
	head.writeUInt32LE(65535, 16);
	head.writeUInt32LE(1, 20);
	return Buffer.concat([head, ...frames.flatMap(f => {
		const rec = Buffer.alloc(16);
		rec.writeUInt32LE(f.length, 8);
		rec.writeUInt32LE(f.length, 12);
		return [rec, f];
	})]);
}

/** {pcap file} => its frames (classic libpcap format, as net_pcap writes it) */
export function pcapFrames(path: string): Buffer[] {
	const buf = readFileSync(path);
	const frames: Buffer[] = [];
	for (let off = 24; off + 16 <= buf.length;) {
		const len = buf.readUInt32LE(off + 8);
		frames.push(buf.subarray(off + 16, off + 16 + len));
		off += 16 + len;
	}
	return frames;
}

// A jumbo wan: every inner packet (IMIX has 1500 B ones) leaves as one ESP packet, as the
// crypto-perf reference it is compared with encrypts each buffer once.
const ports = [{ name: 'wan', port: 0, role: 'wan', mtu: 9000 }, { name: 'lan', port: 1, role: 'lan' }];
/** An algorithm of the benchmark matrix: the SA's transform and the matching
 * dpdk-test-crypto-perf arguments (same PMD the dataplane picks, see dataplane/src/crypto.c). */
export interface BenchAlgorithm {
	id: string;
	label: string;
	sa: Record<string, unknown>;
	/** block cipher: crypto-perf wants buffer sizes that are whole blocks */
	block: number;
	/** crypto-perf runs whose per-op times add up to the reference (usually one) */
	cryptoPerf(op: 'encrypt' | 'decrypt'): string[][];
}

const aeadPerf = (dev: string, algo: string, keyBytes: number) => (op: 'encrypt' | 'decrypt') => [['--vdev', dev, '--', '--ptest', 'throughput',
	'--devtype', dev, '--optype', 'aead', '--aead-algo', algo, '--aead-op', op,
	'--aead-key-sz', String(keyBytes), '--aead-iv-sz', '12', '--aead-aad-sz', '8', '--digest-sz', '16']];
const mb = ['--vdev', 'crypto_aesni_mb', '--', '--ptest', 'throughput', '--devtype', 'crypto_aesni_mb'];
const cbc = ['--cipher-algo', 'aes-cbc', '--cipher-key-sz', '16', '--cipher-iv-sz', '16'];
const hmac = ['--auth-algo', 'sha2-256-hmac', '--auth-op', 'generate', '--auth-key-sz', '32', '--digest-sz', '16'];

export const ALGORITHMS: BenchAlgorithm[] = [
	{ id: 'aes-gcm-128', label: 'AES-GCM-128', block: 1, sa: { aead: { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 } }, cryptoPerf: aeadPerf('crypto_aesni_gcm', 'aes-gcm', 16) },
	{ id: 'aes-gcm-256', label: 'AES-GCM-256', block: 1, sa: { aead: { name: 'rfc4106(gcm(aes))', key: `0x${'a5'.repeat(32)}01020304`, icvBits: 128 } }, cryptoPerf: aeadPerf('crypto_aesni_gcm', 'aes-gcm', 32) },
	{
		id: 'aes-cbc-128-sha256', label: 'AES-CBC-128 + HMAC-SHA256', block: 16,
		sa: { enc: { name: 'cbc(aes)', key: `0x${'a5'.repeat(16)}` }, auth: { name: 'hmac(sha256)', key: `0x${'5a'.repeat(32)}`, truncBits: 128 } },
		// Outbound: encrypt then MAC, chained as ESP does it. crypto-perf chains MAC-then-decrypt
		// only with a digest to verify from a test-vector file, so inbound is the CBC decryption
		// and the HMAC (the same work as verifying) measured apart, their times per op added.
		cryptoPerf: op => op === 'encrypt'
			? [[...mb, '--optype', 'cipher-then-auth', ...cbc, '--cipher-op', 'encrypt', ...hmac]]
			: [[...mb, '--optype', 'cipher-only', ...cbc, '--cipher-op', 'decrypt'], [...mb, '--optype', 'auth-only', ...hmac]],
	},
	{ id: 'chacha20-poly1305', label: 'ChaCha20-Poly1305', block: 1, sa: { aead: { name: 'rfc7539esp(chacha20,poly1305)', key: `0x${'a5'.repeat(32)}01020304`, icvBits: 128 } }, cryptoPerf: aeadPerf('crypto_aesni_mb', 'chacha20-poly1305', 32) },
];

export function encryptConfigFor(alg: BenchAlgorithm) {
	return {
		ports,
		sas: [{ spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', ...alg.sa }],
		policies: [{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
		routes: [{ dst: '192.0.2.0/24', port: 'wan' }],
		neighbors: [{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
	};
}

export function decryptConfigFor(alg: BenchAlgorithm) {
	return {
		ports,
		sas: [{ spi: '0x100', dir: 'in', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', replayWindow: 0, ...alg.sa }],
		policies: [{ dir: 'in', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
		routes: [{ dst: '10.2.0.0/16', port: 'lan', via: '10.2.255.254' }],
		neighbors: [{ ip: '10.2.255.254', mac: '02:00:00:00:01:fe', port: 'lan' }],
	};
}

/** AES-GCM-128, what capture-cost.ts and multicore.ts measure */
export const encryptConfig = encryptConfigFor(ALGORITHMS[0]!);
export const decryptConfig = decryptConfigFor(ALGORITHMS[0]!);

export function sh(cmd: string, argv: string[]): string {
	const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
	if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
	return r.stdout;
}

