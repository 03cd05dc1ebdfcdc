import test from 'ava';
import { fixtures } from './fixtures.js';
import { harness } from './mirror-harness.js';

// The dump captured from a real kernel (UML 6.1): five programmable SAs, one with 3DES,
// four policies. Local address 192.0.2.1, so every SA there is outbound.
test('after start the dataplane holds every programmable SA of the dump, and the 3DES SA is reported once', async t => {
	const h = harness();
	h.kernel.sas = fixtures('dump sa');
	h.kernel.policies = fixtures('dump policy');
	await h.mirror.start();

	t.deepEqual([...h.dp.sas.values()].map(s => s.spi).sort(), ['0x101', '0x102', '0x103', '0x104', '0x106']);
	const gcm = h.dp.find('0x102', 'out');
	t.like(gcm, { dir: 'out', src: '192.0.2.1', dst: '192.0.2.2', esn: true, replayWindow: 128, reqid: 7, aead: { name: 'rfc4106(gcm(aes))', key: `0x${'44'.repeat(36)}`, icvBits: 128 } });
	t.like(h.dp.find('0x104', 'out'), { enc: { name: 'cbc(aes)', key: `0x${'33'.repeat(32)}` }, auth: { name: 'hmac(sha256)', truncBits: 128 }, encap: { type: 'espinudp', sport: 4500, dport: 4500 } });
	t.like(h.dp.find('0x106', 'out'), { src: '2001:db8::1', dst: '2001:db8::2', lifetime: { softBytes: 1000000n, hardBytes: 2000000n, softPackets: 1000n, hardPackets: 2000n } });

	t.deepEqual(h.mirror.unprogrammable(), [{ what: 'sa 0x107 out 192.0.2.2', reason: 'unsupported cipher cbc(des3_ede)' }]);

	// Out: the updated protect policy (priority 90) resolved to a reqid-7 SA, the block, the v6 bypass.
	const out = h.dp.spd.out;
	t.is(out.length, 3);
	t.like(out.find(p => p.action === 'protect'), { src: '10.1.0.0/24', dst: '10.2.0.0/24', priority: 90, reqid: 7 });
	t.regex(out.find(p => p.action === 'protect')?.spi ?? '', /^0x10[1-4]$/);
	t.like(out.find(p => p.action === 'discard'), { src: '10.9.0.0/16', dst: '0.0.0.0/0' });
	t.like(out.find(p => p.action === 'bypass'), { src: '2001:db8:1::/64', dst: '2001:db8:2::/64' });
	// In (from fwd): protect by the template's reqid — any inbound SA of reqid 7 passes, none yet.
	t.deepEqual(h.dp.spd.in, [{ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 'any', action: 'protect', priority: 0, reqid: 7 }]);

	// Looking again changes nothing and does not repeat the report.
	h.mirror.resync();
	await h.mirror.settled();
	t.is(h.kernel.dumps, 4);
	t.is(h.logs.filter(l => l['msg'] === 'not programmable, not installed').length, 1);
	t.is(h.mirror.stats.saPuts, 5);
	// No line carries key material.
	t.false(JSON.stringify(h.logs).includes('44'.repeat(16)));
	await h.mirror.stop();
});

test('an SA the dataplane holds but the kernel does not is removed at start', async t => {
	const h = harness();
	h.dp.putSa({ spi: '0x999', dir: 'in', mode: 'tunnel', src: '192.0.2.9', dst: '192.0.2.1', aead: { name: 'rfc4106(gcm(aes))', key: `0x${'01'.repeat(20)}`, icvBits: 128 } });
	await h.mirror.start();
	t.is(h.dp.sas.size, 0);
	await h.mirror.stop();
});
