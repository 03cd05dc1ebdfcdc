// A bad manual-keying config is refused at start with a message that names the field, and
// nothing runs: the runner exits 1 before EAL starts (the pcap port is never created).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ealArgs, run, runnerPath, scratch } from './harness.js';

const good = () => ({
	ports: [{ name: 'wan', port: 0, role: 'wan' }, { name: 'lan', port: 1, role: 'lan' }],
	sas: [{
		spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2',
		aead: { name: 'rfc4106(gcm(aes))', key: `0x${'11'.repeat(20)}`, icvBits: 128 },
	}, {
		spi: '0x200', dir: 'in', mode: 'tunnel', src: '192.0.2.2', dst: '192.0.2.1',
		enc: { name: 'cbc(aes)', key: `0x${'22'.repeat(16)}` },
		auth: { name: 'hmac(sha256)', key: `0x${'33'.repeat(32)}`, truncBits: 128 },
	}],
	policies: [
		{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x100' },
		{ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', action: 'protect', spi: '0x200' },
	],
	routes: [{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }],
	neighbors: [{ ip: '192.0.2.254', mac: '02:00:00:00:00:fe', port: 'wan' }],
});
type Config = ReturnType<typeof good> & Record<string, unknown>;

const cases: [string, (c: Config) => void, RegExp][] = [
	['an unknown algorithm', c => { c.sas[0]!.aead!.name = 'rfc4106(gcm(des))' as never; }, /sas\[0\]\.aead\.name: unknown algorithm/],
	['a key of the wrong length for its algorithm', c => { c.sas[0]!.aead!.key = `0x${'11'.repeat(16)}`; }, /sas\[0\]\.aead\.key: 16 bytes, rfc4106\(gcm\(aes\)\) takes 20 or 36/],
	['an HMAC key of the wrong length', c => { c.sas[1]!.auth!.key = '0x1234'; }, /sas\[1\]\.auth\.key: 2 bytes, hmac\(sha256\) takes 32/],
	['a policy naming a missing SPI', c => { c.policies[0]!.spi = '0x999'; }, /policies\[0\]\.spi: no out SA with spi 0x999/],
	['an invalid prefix', c => { c.policies[1]!.src = '10.2.0.0/33'; }, /policies\[1\]\.src: "10\.2\.0\.0\/33" has an invalid prefix length/],
	['a prefix with host bits', c => { c.policies[1]!.dst = '10.1.0.1/24'; }, /policies\[1\]\.dst: .* host bits/],
	['an unknown field', c => { (c.sas[1] as Record<string, unknown>)['replayWindw'] = 64; }, /sas\[1\]\.replayWindw: unknown field/],
	['an unknown top-level field', c => { c['sa'] = []; }, /config\.sa: unknown field/],
	['a non-address', c => { c.sas[0]!.dst = '192.0.2'; }, /sas\[0\]\.dst: "192\.0\.2" is not an IPv4 or IPv6 address/],
	['a route to an unknown port', c => { c.routes[0]!.port = 'wan0'; }, /routes\[0\]\.port: no port named "wan0"/],
	['a bad MAC', c => { c.neighbors[0]!.mac = '02:00:00:00:00'; }, /neighbors\[0\]\.mac: .* not a MAC address/],
	['an ICV length the algorithm lacks', c => { c.sas[0]!.aead!.icvBits = 64; }, /sas\[0\]\.aead\.icvBits: 64/],
	['a replay window too large', c => { (c.sas[1] as Record<string, unknown>)['replayWindow'] = 100000; }, /sas\[1\]\.replayWindow/],
	['a reserved SPI', c => { c.sas[1]!.spi = '0xff'; c.policies[1]!.spi = '0xff'; }, /sas\[1\]\.spi: 0xff is reserved/],
	['a wrong direction', c => { c.sas[0]!.dir = 'fwd' as never; }, /sas\[0\]\.dir: "fwd", must be in or out/],
	['an exception interface name the kernel would refuse', c => { (c.ports[1] as Record<string, unknown>)['exception'] = 'lan tap with spaces'; }, /ports\[1\]\.exception: "lan tap with spaces" is not an interface name/],
	['an MTU below the IPv4 minimum', c => { (c.ports[0] as Record<string, unknown>)['mtu'] = 500; }, /ports\[0\]\.mtu: 500, must be 576\.\.9216/],
	['an MSS clamp below TCP\'s minimum', c => { (c.sas[0] as Record<string, unknown>)['mssClamp'] = 40; }, /sas\[0\]\.mssClamp: 40, must be 0 \(off\) or 88\.\.9176/],
	['invalid JSON', () => { throw new Error('raw'); }, /config\.json:\d+:\d+: /],
];

for (const [name, mutate, message] of cases) {
	test(`${name} is refused naming the field, before anything runs`, async t => {
		const { dir, remove } = scratch('badcfg');
		t.teardown(remove);
		const config = good() as Config;
		let text: string;
		try {
			mutate(config);
			text = JSON.stringify(config);
		} catch {
			text = '{"ports": [';
		}
		writeFileSync(join(dir, 'config.json'), text);
		const tx = join(dir, 'never.pcap');
		const r = await run(runnerPath, ['--config', join(dir, 'config.json'), '--until-idle', '100', '--',
			...ealArgs([`net_pcap0,rx_pcap=/dev/null,tx_pcap=${tx}`])]);
		t.is(r.code, 1);
		t.regex(r.stderr, message);
		t.regex(r.stderr, /^esplane-dp: invalid config: /);
		t.false(existsSync(tx), 'EAL never started');
	});
}

test('the good config itself is accepted', async t => {
	const { dir, remove } = scratch('goodcfg');
	t.teardown(remove);
	writeFileSync(join(dir, 'config.json'), JSON.stringify(good()));
	const r = await run(runnerPath, ['--config', join(dir, 'config.json'), '--until-idle', '50', '--',
		...ealArgs([`net_null0,no-rx=1`, `net_null1,no-rx=1`])]);
	t.is(r.code, 0, r.stderr);
});
