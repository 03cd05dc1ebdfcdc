import test from 'ava';
import type { DpPolicy, DpSa } from '../../operator/dataplane/types.js';
import { XFRM_MSG } from '../../operator/xfrm/codec/constants.js';
import { decodeXfrm, encodeXfrm } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import { policyToXfrm, saToXfrm, xfrmToPolicy, xfrmToSa, type XfrmPolicy, type XfrmSa } from '../../operator/xfrm/convert.js';
import { fixtures } from './fixtures.js';

const ctx = { isLocal: (a: string) => a === '192.0.2.1' || a === '2001:db8::1' };
const hex = (b: string, n: number) => `0x${b.repeat(n)}` as const;

/** through the wire and back, as the kernel would echo it */
function viaWire(x: XfrmSa): XfrmSa {
	const m = decodeXfrm(splitMessages(encodeXfrm({ kind: 'sa', type: XFRM_MSG.NEWSA, flags: 0, seq: 0, pid: 0, body: x.info, attrs: x.attrs }))[0]!);
	if (m.kind !== 'sa') throw new Error(m.kind);
	return { info: m.body, attrs: m.attrs };
}

const out = (spi: `0x${string}`, rest: Partial<DpSa>): DpSa => ({ spi, dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', replayWindow: 32, esn: false, reqid: 1, ...rest });
const inb = (spi: `0x${string}`, rest: Partial<DpSa>): DpSa => ({ ...out(spi, rest), dir: 'in', src: '192.0.2.2', dst: '192.0.2.1', ...rest });

const SAS: Array<[string, DpSa]> = [
	['aes128gcm16 out', out('0x1', { aead: { name: 'rfc4106(gcm(aes))', key: hex('11', 20), icvBits: 128 } })],
	['aes256gcm16 in, ESN, window 1024, resumes at 2^32 + 7', inb('0x2', { aead: { name: 'rfc4106(gcm(aes))', key: hex('22', 36), icvBits: 128 }, esn: true, replayWindow: 1024, seq: (1n << 32n) + 7n })],
	['chacha20poly1305 out with NAT-T', out('0x3', { aead: { name: 'rfc7539esp(chacha20,poly1305)', key: hex('33', 36), icvBits: 128 }, encap: { type: 'espinudp', sport: 4500, dport: 4501 } })],
	['aes128-sha1 in, window 0', inb('0x4', { enc: { name: 'cbc(aes)', key: hex('44', 16) }, auth: { name: 'hmac(sha1)', key: hex('45', 20), truncBits: 96 }, replayWindow: 0 })],
	['aes256-sha256 out with byte and packet limits, seq 1000', out('0x5', { enc: { name: 'cbc(aes)', key: hex('55', 32) }, auth: { name: 'hmac(sha256)', key: hex('56', 32), truncBits: 128 }, lifetime: { softBytes: 1000n, hardBytes: 2000n, softPackets: 10n, hardPackets: 20n }, seq: 1000n })],
	['IPv6 aes128gcm16 out, SPI with the top bit set', { ...out('0xc0000001', { aead: { name: 'rfc4106(gcm(aes))', key: hex('66', 20), icvBits: 128 } }), src: '2001:db8::1', dst: '2001:db8::2' }],
];

for (const [name, sa] of SAS) {
	test(`SA ${name}: xfrmToSa(saToXfrm(sa)) is sa`, t => {
		const back = xfrmToSa(viaWire(saToXfrm(sa)), ctx);
		t.true(back.ok, back.ok ? '' : back.reason);
		if (back.ok) t.deepEqual(back.value, sa);
	});
}

test('every programmable SA the kernel sent converts to a dataplane SA and back to the same kernel SA', t => {
	let n = 0;
	for (const m of fixtures('dump sa')) {
		if (m.kind !== 'sa') continue;
		const first = xfrmToSa({ info: m.body, attrs: m.attrs }, ctx);
		if (!first.ok) continue;
		const again = xfrmToSa(viaWire(saToXfrm(first.value)), ctx);
		t.deepEqual(again.ok && again.value, first.value);
		n++;
	}
	t.is(n, 5);
});

const POLICIES: Array<[string, DpPolicy, { src: string; dst: string; reqid: number } | undefined]> = [
	['out protect any, naming the SA and its reqid', { dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 'any', action: 'protect', spi: '0x100', priority: 100, reqid: 1 }, { src: '192.0.2.1', dst: '192.0.2.2', reqid: 1 }],
	['in protect tcp 443, any SA of the reqid', { dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 'tcp', dport: 443, action: 'protect', priority: 100, reqid: 1 }, { src: '192.0.2.2', dst: '192.0.2.1', reqid: 1 }],
	['out bypass udp 53 from a port range', { dir: 'out', src: '10.1.0.5/32', dst: '0.0.0.0/0', proto: 'udp', sport: [1024, 2047], dport: 53, action: 'bypass', priority: 10 }, undefined],
	['out discard, protocol by number', { dir: 'out', src: '10.9.0.0/16', dst: '0.0.0.0/0', proto: 47, action: 'discard', priority: 5 }, undefined],
	['IPv6 out protect icmp', { dir: 'out', src: '2001:db8:1::/64', dst: '2001:db8:2::/64', proto: 'ipv6-icmp', action: 'protect', spi: '0x300', priority: 200, reqid: 2 }, { src: '2001:db8::1', dst: '2001:db8::2', reqid: 2 }],
];

for (const [name, p, tmpl] of POLICIES) {
	test(`policy ${name}: xfrmToPolicy(policyToXfrm(p)) is p`, t => {
		const x: XfrmPolicy = policyToXfrm(p, tmpl);
		const m = decodeXfrm(splitMessages(encodeXfrm({ kind: 'policy', type: XFRM_MSG.NEWPOLICY, flags: 0, seq: 0, pid: 0, body: x.info, attrs: x.attrs }))[0]!);
		if (m.kind !== 'policy') return t.fail();
		const back = xfrmToPolicy({ info: m.body, attrs: m.attrs }, tm => {
			t.is(tm.reqid, tmpl?.reqid ?? -1);
			return p.spi ? [p.spi] : [];
		});
		t.deepEqual(back.ok && back.value, [p]);
	});
}

test('a reqid-0 template names its SAs by address, and drops while there are none', t => {
	const x = policyToXfrm({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 'any', action: 'protect', priority: 1 }, { src: '192.0.2.1', dst: '192.0.2.2', reqid: 0 });
	t.deepEqual(xfrmToPolicy(x, () => []), { ok: true, value: [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 'any', action: 'discard', priority: 1 }] });
	t.deepEqual(xfrmToPolicy(x, () => ['0x5', '0x4']), { ok: true, value: [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 'any', action: 'protect', spi: '0x5', priority: 1 }] });
});

test('policies the dataplane cannot express say why', t => {
	const x = policyToXfrm({ dir: 'out', src: '10.0.0.0/8', dst: '10.0.0.0/8', proto: 'tcp', action: 'bypass' });
	x.info.sel.sport = 0x1234;
	x.info.sel.sportMask = 0x0f0f;
	const r = xfrmToPolicy(x, () => []);
	t.deepEqual(r, { ok: false, reason: 'port mask 0xf0f is not a prefix' });
	x.info.dir = 3;
	t.regex((xfrmToPolicy(x, () => []) as { reason: string }).reason, /socket policy/);
	t.throws(() => policyToXfrm({ dir: 'out', src: '10.0.0.0/8', dst: '10.0.0.0/8', proto: 'tcp', sport: [1000, 1010], action: 'bypass' }), { message: /not expressible as a mask/ });
});
