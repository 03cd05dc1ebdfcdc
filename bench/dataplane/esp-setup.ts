// What the ESP benchmarks share (esp.ts, capture-cost.ts, multicore.ts): the runner, EAL arguments, the
// packets and the two one-SA configs.
//
//   encrypt:  net_pcap (infinite_rx, clear)  -> [lan] SPD out -> ESP -> route -> [wan] net_null
//   decrypt:  net_pcap (infinite_rx, ESP)    -> [wan] SAD -> ESP -> SPD in -> route -> [lan] net_null
import { spawnSync } from 'node:child_process';
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

// A jumbo wan: every inner packet (IMIX has 1500 B ones) leaves as one ESP packet, as the
// crypto-perf reference it is compared with encrypts each buffer once.
const ports = [{ name: 'wan', port: 0, role: 'wan', mtu: 9000 }, { name: 'lan', port: 1, role: 'lan' }];
export const encryptConfig = {
	ports,
	sas: [{ spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', aead: { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 } }],
	policies: [{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
	routes: [{ dst: '192.0.2.0/24', port: 'wan' }],
	neighbors: [{ ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }],
};
export const decryptConfig = {
	ports,
	sas: [{ spi: '0x100', dir: 'in', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', replayWindow: 0, aead: { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 } }],
	policies: [{ dir: 'in', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' }],
	routes: [{ dst: '10.2.0.0/16', port: 'lan', via: '10.2.255.254' }],
	neighbors: [{ ip: '10.2.255.254', mac: '02:00:00:00:01:fe', port: 'lan' }],
};

export function sh(cmd: string, argv: string[]): string {
	const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
	if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
	return r.stdout;
}

