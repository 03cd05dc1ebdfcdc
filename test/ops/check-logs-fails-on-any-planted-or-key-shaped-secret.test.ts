// scripts/check-logs.mjs, run as the test script runs it, passes a clean audit directory and
// fails — printing the file, line and the line itself — on a planted key or PSK in any
// encoding or on anything key-shaped; it refuses an empty directory, so a suite whose logs
// never reached the audit cannot pass by accident.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLANTED_KEYS, PLANTED_PSKS } from '../helpers/planted-secrets.js';
import { ROOT } from './helm.js';

function runCheck(lines: string[] | undefined): { code: number | null; out: string } {
	const dir = mkdtempSync(join(tmpdir(), 'espops-checklogs-'));
	try {
		if (lines) {
			mkdirSync(join(dir, 'sub'));
			writeFileSync(join(dir, 'sub', '4242.ndjson'), lines.map((l) => `${l}\n`).join(''));
		}
		const r = spawnSync(process.execPath, [join(ROOT, 'scripts/check-logs.mjs'), dir], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
		return { code: r.status, out: r.stdout + r.stderr };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const clean = JSON.stringify({ level: 'info', msg: 'sa installed', spi: '0xc0000100', psk: '[REDACTED]' });
const line = (o: Record<string, unknown>) => JSON.stringify({ level: 'info', msg: 'x', ...o });

const LEAKS: Array<{ name: string; line: string; what: RegExp }> = [
	{ name: 'a planted key with 0x', line: line({ key: PLANTED_KEYS.aesGcm128 }), what: /planted secret/ },
	{ name: 'a planted key without 0x, upper case', line: line({ d: PLANTED_KEYS.hmacSha1.slice(2).toUpperCase() }), what: /planted secret/ },
	{ name: 'a planted key as base64', line: line({ d: Buffer.from(PLANTED_KEYS.aesCbc128.slice(2), 'hex').toString('base64') }), what: /planted secret/ },
	{ name: 'a planted PSK as written', line: line({ note: `psk is ${PLANTED_PSKS.roadWarrior}` }), what: /planted secret/ },
	{ name: 'a planted PSK as base64 (Secret data)', line: line({ data: Buffer.from(PLANTED_PSKS.siteB).toString('base64') }), what: /planted secret/ },
	{ name: 'an unplanted 0x key', line: line({ k: `0x${'7'.repeat(40)}` }), what: /0x-hex key/ },
	{ name: 'an unplanted bare hex key', line: line({ k: 'a1'.repeat(20) }), what: /hex key/ },
	{ name: 'a PEM private key', line: line({ k: '-----BEGIN EC PRIVATE KEY-----\\nMHcC' }), what: /PEM private key/ },
];

test('a clean audit directory passes', (t) => {
	const r = runCheck([clean, clean]);
	t.is(r.code, 0, r.out);
	t.regex(r.out, /2 log lines from 1 file\(s\), no key material/);
});

for (const leak of LEAKS) {
	test(`${leak.name} fails the check with the file, line number and line`, (t) => {
		const r = runCheck([clean, leak.line]);
		t.is(r.code, 1, r.out);
		t.regex(r.out, /LEAK .*4242\.ndjson:2: /);
		t.regex(r.out, leak.what);
		t.true(r.out.includes(leak.line));
	});
}

test('an audit directory with no lines fails: the logs never reached it', (t) => {
	const r = runCheck(undefined);
	t.is(r.code, 2);
	t.regex(r.out, /only 0 log line/);
});
