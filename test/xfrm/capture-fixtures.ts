// Captures real XFRM netlink messages from a kernel into a fixture file: run inside a UML
// guest (ESP needed for SAs) as `node --import tsx test/xfrm/capture-fixtures.ts OUT.json`.
// Every `ip xfrm` command below is followed by the events it caused, labelled; at the end
// the SA and policy dumps. The codec's round-trip and fuzz tests read the file.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { XFRM_MSG, XFRMNLGRP } from '../../operator/xfrm/codec/constants.js';
import { decodeXfrm, encodeXfrm, type XfrmMessage } from '../../operator/xfrm/codec/message.js';
import { buildExpire, buildNewAe } from '../../operator/xfrm/messages/newae.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import { XfrmSocket } from '../../operator/xfrm/socket.js';
import { MIRROR_GROUPS } from '../../operator/xfrm/events.js';
import { buildMessage } from '../../operator/xfrm/codec/netlink.js';

const k16 = '0x' + '11'.repeat(16), k20 = '0x' + '22'.repeat(20), k32 = '0x' + '33'.repeat(32), k36 = '0x' + '44'.repeat(36);
const sa = (spi: string, rest: string) => `state add src 192.0.2.1 dst 192.0.2.2 proto esp spi ${spi} reqid 7 mode tunnel ${rest}`;
const steps: Array<[string, string]> = [
	['newsa aes128gcm16', sa('0x101', `aead 'rfc4106(gcm(aes))' ${k20} 128`)],
	['newsa aes256gcm16 esn replay-window 128', sa('0x102', `aead 'rfc4106(gcm(aes))' ${k36} 128 flag esn replay-window 128`)],
	['newsa aes128-sha1', sa('0x103', `enc 'cbc(aes)' ${k16} auth-trunc 'hmac(sha1)' ${k20} 96`)],
	['newsa aes256-sha256 natt', sa('0x104', `enc 'cbc(aes)' ${k32} auth-trunc 'hmac(sha256)' ${k32} 128 encap espinudp 4500 4500 0.0.0.0`)],
	['newsa chacha20poly1305 mark if_id', sa('0x105', `aead 'rfc7539esp(chacha20,poly1305)' ${k36} 128 mark 0x10 mask 0xff if_id 5`)],
	['newsa ipv6 aes128gcm16 lifetimes', `state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x106 reqid 8 mode tunnel aead 'rfc4106(gcm(aes))' ${k20} 128 limit byte-soft 1000000 limit byte-hard 2000000 limit packet-soft 1000 limit packet-hard 2000`],
	['newsa unsupported cbc(des3_ede)', sa('0x107', `enc 'cbc(des3_ede)' 0x${'55'.repeat(24)} auth-trunc 'hmac(sha1)' ${k20} 96`)],
	['updsa aes128gcm16', sa('0x101', `aead 'rfc4106(gcm(aes))' ${k20} 128`).replace('state add', 'state update')],
	['newpolicy out protect', 'policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel'],
	['newpolicy fwd protect', 'policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir fwd tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 7 mode tunnel'],
	['newpolicy in tcp port', 'policy add src 10.2.0.0/24 dst 10.1.0.0/24 proto tcp dport 443 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 7 mode tunnel'],
	['newpolicy out block mark', 'policy add src 10.9.0.0/16 dst 0.0.0.0/0 dir out action block mark 0x10 mask 0xff'],
	['newpolicy ipv6 out allow', 'policy add src 2001:db8:1::/64 dst 2001:db8:2::/64 dir out'],
	['updpolicy out protect', 'policy update src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 90 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel'],
	['delpolicy in tcp port', 'policy delete src 10.2.0.0/24 dst 10.1.0.0/24 proto tcp dport 443 dir in'],
	['delsa chacha', 'state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x105 mark 0x10 mask 0xff'],
];
const flushSteps: Array<[string, string]> = [['flushsa', 'state flush'], ['flushpolicy', 'policy flush']];

const events = new XfrmSocket({ groups: [...MIRROR_GROUPS, XFRMNLGRP.AEVENTS] });
const out: Array<{ label: string; hex: string }> = [];

function collect(label: string): void {
	for (const d of events.receive().datagrams) {
		for (const m of splitMessages(d)) {
			const len = m.payload.length + 16;
			const start = m.payload.byteOffset - d.byteOffset - 16;
			out.push({ label, hex: d.subarray(start, start + len).toString('hex') });
		}
	}
}

async function settle(label: string): Promise<void> {
	await events.waitReadable(200);
	await new Promise(r => setTimeout(r, 20));
	collect(label);
}

async function dump(label: string, type: number): Promise<void> {
	const s = new XfrmSocket();
	s.send(buildMessage({ type, flags: 0x301, seq: 1, pid: 0 }, Buffer.alloc(0), []));
	for (let done = false; !done;) {
		await s.waitReadable(500);
		for (const d of s.receive().datagrams) {
			for (const m of splitMessages(d)) {
				if (m.type === 3) { done = true; continue; }
				const start = m.payload.byteOffset - d.byteOffset - 16;
				out.push({ label, hex: d.subarray(start, start + m.payload.length + 16).toString('hex') });
			}
		}
	}
	s.close();
}

for (const [label, cmd] of steps) {
	try {
		execFileSync('sh', ['-c', `ip xfrm ${cmd}`], { stdio: ['ignore', 'ignore', 'pipe'] });
	} catch (e) {
		console.error(`${label}: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
	}
	await settle(label);
}
await dump('dump sa', XFRM_MSG.GETSA);
await dump('dump policy', XFRM_MSG.GETPOLICY);

// What the agent writes (NEWAE, EXPIRE) as the kernel echoes it to listeners, and the
// kernel's answers (ACK, error) on a request socket.
const sa101 = out.filter(f => f.label === 'dump sa').map(f => decodeXfrm(splitMessages(Buffer.from(f.hex, 'hex'))[0]!))
	.find(m => m.kind === 'sa' && m.body.id.spi === 0x101);
if (sa101?.kind === 'sa') {
	const x = { info: sa101.body, attrs: sa101.attrs };
	const req = new XfrmSocket();
	const ask = async (label: string, m: XfrmMessage, flags: number) => {
		req.send(encodeXfrm({ ...m, seq: 77, flags: m.flags | flags }));
		await req.waitReadable(200);
		for (const d of req.receive().datagrams) out.push({ label, hex: d.toString('hex') });
		await settle(label.replace('answer', 'event'));
	};
	await ask('newae answer ack', buildNewAe(x, { dir: 'out', bytes: 1000n, packets: 10n, useTime: 1700000000n, seq: 10n }), 0x5);
	await ask('expire answer ack', buildExpire(x, false), 0x5);
	const gone = buildNewAe(x, { dir: 'out', bytes: 0n, packets: 0n, useTime: 0n, seq: 1n });
	if (gone.kind === 'aevent') gone.body.saId.spi = 0xdead;
	await ask('newae answer error', gone, 0x1);
	req.close();
}
for (const [label, cmd] of flushSteps) {
	execFileSync('sh', ['-c', `ip xfrm ${cmd}`]);
	await settle(label);
}
events.close();
writeFileSync(process.argv[2] ?? 'fixtures.json', JSON.stringify(out, null, 1) + '\n');
console.log(`captured ${out.length} messages`);
