// Whatever a caller hands the logger — a whole SA with its keys, a PSK in a field, a key
// pasted into a message or an error, raw key bytes, a secret in child bindings — the line
// that comes out carries none of the planted keys or PSKs in any encoding, while the fields
// people need for debugging (SPI, names, sizes) stay readable.
import test from 'ava';
import { leakForms } from '../../scripts/check-logs.mjs';
import { createLogger } from '../../operator/log/index.js';
import type { Logger } from '../../operator/log/index.js';
import { PLANTED_KEYS, PLANTED_PSKS, allPlantedSecrets } from '../helpers/planted-secrets.js';
import { captureLines } from './log-capture.js';

const K = PLANTED_KEYS;
const P = PLANTED_PSKS;

const sa = {
	spi: '0xc0000100',
	dir: 'out',
	src: '192.0.2.1',
	dst: '192.0.2.2',
	aead: { name: 'rfc4106(gcm(aes))', key: K.aesGcm128, icvBits: 128 },
	enc: { name: 'cbc(aes)', key: K.aesCbc256 },
	auth: { name: 'hmac(sha256)', key: K.hmacSha256, truncBits: 128 },
};

const CASES: Array<{ name: string; log: (l: Logger) => void; keeps?: string[] }> = [
	{ name: 'a whole SA object', log: (l) => l.info({ sa }, 'sa installed'), keeps: ['"spi":"0xc0000100"', '"name":"rfc4106(gcm(aes))"', '"icvBits":128'] },
	{ name: 'an SA as the merge object itself', log: (l) => l.info(sa, 'sa installed'), keeps: ['"dst":"192.0.2.2"'] },
	{ name: 'SAs in an array', log: (l) => l.debug({ sas: [sa, { ...sa, spi: '0x200' }] }, 'sa table'), keeps: ['"spi":"0x200"'] },
	{ name: 'a PSK field', log: (l) => l.info({ tunnel: 'a/b', psk: P.siteA }, 'tunnel rendered'), keeps: ['"tunnel":"a/b"'] },
	{ name: 'secret-like field names', log: (l) => l.warn({ ikePsk: P.siteB, sharedSecret: P.roadWarrior, encKey: K.aesCbc128, private_key: K.hmacSha1, secretName: 'psk-a', keyBits: 128 }, 'x'), keeps: ['"secretName":"psk-a"', '"keyBits":128'] },
	{ name: 'a Secret object as the API returns it', log: (l) => l.info({ secret: { metadata: { name: 's' }, data: { psk: Buffer.from(P.siteA).toString('base64') } } }, 'secret read') },
	{ name: 'Secret data under a neutral name', log: (l) => l.info({ obj: { data: { psk: Buffer.from(P.siteA).toString('base64') } } }, 'object read') },
	{ name: 'a key pasted into the message', log: (l) => l.info(`installing key ${K.aesGcm256}`) },
	{ name: 'a key as a printf argument', log: (l) => l.info('installing key %s', K.hmacSha256) },
	{ name: 'a key without 0x in a free-text field', log: (l) => l.info({ detail: `ip xfrm state ... enc cbc(aes) ${K.aesCbc256.slice(2)}` }, 'xfrm dump') },
	{ name: 'raw key bytes', log: (l) => l.info({ material: Buffer.from(K.aesGcm128.slice(2), 'hex') }, 'keymat derived'), keeps: ['"material":"[bytes:20]"'] },
	{ name: 'a key in an error message', log: (l) => l.error(new Error(`bad key ${K.aesGcm128}`), 'putSa failed') },
	{ name: 'an error carrying the SA', log: (l) => l.error({ err: Object.assign(new Error('EINVAL'), { sa }) }, 'putSa failed'), keeps: ['EINVAL'] },
	{ name: 'a PSK in child bindings', log: (l) => l.child({ tunnel: 'a/b', psk: P.siteA }).info('child'), keeps: ['"tunnel":"a/b"'] },
	{ name: 'a key deep inside a Map', log: (l) => l.info({ byTunnel: new Map([['a/b', { auth: { key: K.hmacSha1 } }]]) }, 'state'), keeps: ['"a/b"'] },
];

for (const c of CASES) {
	test(`logging ${c.name} leaks no planted secret in any encoding`, (t) => {
		const cap = captureLines();
		const log = createLogger('leak-test', { destination: cap.stream, level: 'trace' });
		c.log(log);
		const lines = cap.lines();
		t.is(lines.length, 1);
		const line = lines[0] ?? '';
		t.notThrows(() => JSON.parse(line));
		for (const secret of allPlantedSecrets()) {
			for (const form of leakForms(secret)) t.false(line.includes(form), `${secret} leaked as ${form}: ${line}`);
		}
		t.true(line.includes('[REDACTED]') || line.includes('[bytes:'), line);
		for (const k of c.keeps ?? []) t.true(line.includes(k), `${k} kept: ${line}`);
	});
}

test('identifiers that look a little like keys stay readable', (t) => {
	const cap = captureLines();
	createLogger('ids', { destination: cap.stream }).info({ spi: '0xc0000100', seq: '0x00000000ffffffff', uid: '6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b', reqid: 7 }, 'sa state');
	const o = JSON.parse(cap.lines()[0] ?? '{}') as Record<string, unknown>;
	t.is(o['spi'], '0xc0000100');
	t.is(o['seq'], '0x00000000ffffffff');
	t.is(o['uid'], '6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b');
	t.is(o['msg'], 'sa state');
	t.is(o['level'], 'info');
	t.is(o['name'], 'ids');
});
