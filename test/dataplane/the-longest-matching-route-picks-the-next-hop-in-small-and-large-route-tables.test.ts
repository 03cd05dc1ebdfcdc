// lan pcap ─ dataplane (bypass out) ─ wan pcap: packets to several destinations leave with the
// MAC of the next hop of their longest-prefix route. Run with a handful of routes (searched by
// prefix length) and with more than DP_SMALL_ROUTES (rte_lpm): both must pick the same hops.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { pcapFrames, runDataplane, scratch } from './harness.js';

const mac = (n: number) => `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;

/** {src, dst} => an Ethernet + IPv4 + UDP frame (checksum filled) */
function frame(src: string, dst: string): Buffer {
	const b = Buffer.alloc(14 + 20 + 8 + 8);
	Buffer.from('020000000099020000000098', 'hex').copy(b, 0);
	b.writeUInt16BE(0x0800, 12);
	const ip = b.subarray(14);
	ip[0] = 0x45; ip.writeUInt16BE(20 + 16, 2); ip[8] = 64; ip[9] = 17;
	src.split('.').forEach((o, i) => (ip[12 + i] = Number(o)));
	dst.split('.').forEach((o, i) => (ip[16 + i] = Number(o)));
	let sum = 0;
	for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
	while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
	ip.writeUInt16BE(~sum & 0xffff, 10);
	ip.writeUInt16BE(1000, 20); ip.writeUInt16BE(2000, 22); ip.writeUInt16BE(16, 24);
	return b;
}

function pcap(frames: Buffer[]): Buffer {
	const head = Buffer.alloc(24);
	head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6); head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
	return Buffer.concat([head, ...frames.flatMap(f => {
		const h = Buffer.alloc(16);
		h.writeUInt32LE(f.length, 8); h.writeUInt32LE(f.length, 12);
		return [h, f];
	})]);
}

// destination => the next hop whose MAC it must leave with
const expected: Array<[string, number]> = [
	['203.0.113.7', 254],	// 0.0.0.0/0 via .254
	['198.51.100.9', 10],	// 198.51.100.0/24 via .10
	['198.51.100.200', 11],	// 198.51.100.128/25 via .11, longer than the /24
	['198.51.100.201', 12],	// 198.51.100.201/32 via .12, longest
	['192.0.2.77', 77],	// connected 192.0.2.0/24: the destination itself
];

for (const [size, filler] of [['a small table', 0], ['a table large enough for rte_lpm', 40]] as const) {
	test(`${size}: each packet leaves with the MAC of its longest-prefix route's next hop`, async t => {
		const { dir, remove } = scratch('routes');
		t.teardown(remove);
		const routes = [
			{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' },
			{ dst: '198.51.100.0/24', port: 'wan', via: '192.0.2.10' },
			{ dst: '198.51.100.128/25', port: 'wan', via: '192.0.2.11' },
			{ dst: '198.51.100.201/32', port: 'wan', via: '192.0.2.12' },
			{ dst: '192.0.2.0/24', port: 'wan' },
			{ dst: '10.1.0.0/24', port: 'lan' },
			...Array.from({ length: filler }, (_, i) => ({ dst: `172.16.${i}.0/24`, port: 'wan', via: '192.0.2.99' })),
		];
		const neighbors = [254, 10, 11, 12, 77, 99].map(n => ({ ip: `192.0.2.${n}`, mac: mac(n), port: 'wan' }));
		writeFileSync(join(dir, 'config.json'), JSON.stringify({
			ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'] }, { name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'] }],
			policies: [{ dir: 'out', src: '10.1.0.0/24', dst: '0.0.0.0/0', action: 'bypass' }],
			routes, neighbors,
		}));
		writeFileSync(join(dir, 'lan_in.pcap'), pcap(expected.map(([dst]) => frame('10.1.0.2', dst))));
		writeFileSync(join(dir, 'wan_in.pcap'), pcap([]));
		const r = await runDataplane(dir);
		t.is(r.code, 0, r.stderr);
		const out = pcapFrames(join(dir, 'wan_out.pcap'));
		const seen = out.map(f => [`${f[30]}.${f[31]}.${f[32]}.${f[33]}`, f.subarray(0, 6).toString('hex').replace(/(..)(?!$)/g, '$1:')]);
		t.deepEqual(seen, expected.map(([dst, hop]) => [dst, mac(hop)]));
	});
}
