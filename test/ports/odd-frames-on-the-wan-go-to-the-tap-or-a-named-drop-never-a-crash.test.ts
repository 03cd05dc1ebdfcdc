// What arrives on the wan that is not ESP is the kernel's: ARP, IKE (UDP 500, UDP 4500 with
// the non-ESP marker), NAT-T keepalives, and unknown ethertypes go to the exception TAP.
// Runts and IP headers the dataplane cannot read are a counted `malformed` drop, ESP without an
// SA is `unknown_spi`, cleartext to an address that is not the node's is `not_local` (the
// kernel behind the TAP could route it on: fail closed); without a TAP the kernel's share is
// the counted `non_esp` drop. Nothing crashes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { pcap as pcapFile } from '../../bench/dataplane/esp-setup.js';
import { nonZero, runDataplane, scratch } from '../dataplane/harness.js';
import { Ns } from './wire.js';

const ETH = (type: number) => Buffer.concat([Buffer.from('020000000001020000000002', 'hex'), Buffer.from([type >> 8, type & 255])]);

function ipv4(proto: number, payload: Buffer, totalLength?: number, dst = [192, 0, 2, 1]): Buffer {
	const ip = Buffer.from([0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 192, 0, 2, 2, ...dst]);
	ip.writeUInt16BE(totalLength ?? 20 + payload.length, 2);
	return Buffer.concat([ETH(0x0800), ip, payload]);
}

const udp = (sport: number, dport: number, body: Buffer) => {
	const h = Buffer.alloc(8);
	h.writeUInt16BE(sport, 0);
	h.writeUInt16BE(dport, 2);
	h.writeUInt16BE(8 + body.length, 4);
	return Buffer.concat([h, body]);
};

const toKernel = {
	arp: Buffer.concat([ETH(0x0806), Buffer.from('0001080006040001020000000002c0000202000000000000c0000201', 'hex')]),
	ike: ipv4(17, udp(500, 500, Buffer.alloc(28, 1))),
	ikeNatT: ipv4(17, udp(4500, 4500, Buffer.concat([Buffer.alloc(4), Buffer.alloc(28, 1)]))),
	keepalive: ipv4(17, udp(4500, 4500, Buffer.from([0xff]))),
	icmp: ipv4(1, Buffer.from('0800f7ff00000000', 'hex')),
	unknownEthertype: Buffer.concat([ETH(0x88b5), Buffer.alloc(46, 7)]),
};
const malformed = {
	runt: Buffer.from('0200000000010200', 'hex'),
	truncatedIpv4: Buffer.concat([ETH(0x0800), Buffer.from([0x45, 0, 0, 40, 0, 1])]),
	lengthPastFrame: ipv4(17, udp(500, 500, Buffer.alloc(4)), 1400),
	badIhl: Buffer.concat([ETH(0x0800), Buffer.from([0x42]), Buffer.alloc(40)]),
	truncatedIpv6: Buffer.concat([ETH(0x86dd), Buffer.from([0x60, 0, 0, 0, 0, 8, 17, 64]), Buffer.alloc(16)]),
};
// cleartext to an address behind the gateway: the kernel could route it on, so it stays out
const notLocal = ipv4(17, udp(1234, 80, Buffer.alloc(20, 3)), undefined, [10, 1, 0, 5]);
const esp = ipv4(50, Buffer.concat([Buffer.from([0, 0, 0x77, 0x77, 0, 0, 0, 1]), Buffer.alloc(32)]));

test('odd wan frames go to the TAP or a named, counted drop', async t => {
	const ns = new Ns(`exc${process.pid}d`);
	const { dir, remove } = scratch('exc-odd');
	t.teardown(() => { ns.delete(); remove(); });
	const frames = [...Object.values(toKernel), ...Object.values(malformed), esp, notLocal];
	// many rounds, so a frame that upsets a later stage of a burst would show too
	writeFileSync(join(dir, 'wan_in.pcap'), pcapFile(Array.from({ length: 20 }, () => frames).flat()));
	writeFileSync(join(dir, 'lan_in.pcap'), pcapFile([]));
	const ports = (exception: boolean) => ({
		ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'], ...(exception ? { exception: 'excodd0' } : {}) },
			{ name: 'lan', port: 1, role: 'lan' }],
	});

	writeFileSync(join(dir, 'config.json'), JSON.stringify(ports(true)));
	// the runner itself runs inside the namespace, so its TAP is created there
	const withTap = await runDataplane(dir, { wrap: ['ip', 'netns', 'exec', ns.name] });
	t.is(withTap.code, 0, withTap.stderr);
	const kernelShare = 20 * Object.keys(toKernel).length;
	t.is(withTap.stats?.ports.find(p => p.name === 'wan')?.exc_to_kernel, kernelShare);
	t.deepEqual(nonZero(withTap.stats?.drops ?? {}), { malformed: 20 * Object.keys(malformed).length, unknown_spi: 20, not_local: 20 });

	writeFileSync(join(dir, 'config.json'), JSON.stringify(ports(false)));
	const without = await runDataplane(dir, { suffix: '-notap' });
	t.is(without.code, 0, without.stderr);
	t.deepEqual(nonZero(without.stats?.drops ?? {}), { non_esp: kernelShare + 20, malformed: 20 * Object.keys(malformed).length, unknown_spi: 20 });
});
