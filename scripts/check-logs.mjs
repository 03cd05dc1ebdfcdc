#!/usr/bin/env node
// Proves that no log line the test suite produced carries key material. Every esplane logger
// appends its lines to $ESPLANE_LOG_AUDIT_DIR/<pid>.ndjson when that variable is set (see
// operator/log/logger.ts); this script reads every line there and fails on:
//   - a key or PSK the suite planted (test/helpers/planted-secrets.ts), in any form a leak
//     would take: as written, hex with or without 0x (either case), base64 of its bytes;
//   - anything key-shaped: 0x followed by 32+ hex digits, a run of 32+ hex digits, a PEM
//     private key.
// Usage: node scripts/check-logs.mjs [DIR] [--min-lines N]
// Exit 0: clean; 1: a leak (the offending lines are printed); 2: nothing to check or bad use.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

function usage(msg) {
	process.stderr.write(`check-logs: ${msg}\nusage: node scripts/check-logs.mjs [DIR] [--min-lines N]\n`);
	process.exit(2);
}

function parseArgs(argv) {
	let dir = process.env.ESPLANE_LOG_AUDIT_DIR;
	let minLines = 1;
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--min-lines') {
			minLines = Number(argv[++i]);
			if (!Number.isInteger(minLines) || minLines < 0) usage('--min-lines takes a whole number');
		} else if (a.startsWith('-')) usage(`unknown option ${a}`);
		else dir = a;
	}
	if (!dir) usage('no directory: pass DIR or set ESPLANE_LOG_AUDIT_DIR');
	return { dir, minLines };
}

async function plantedSecrets() {
	// The list is TypeScript (tests import it); load it through tsx so it exists once.
	const { register } = await import('tsx/esm/api');
	const unregister = register();
	try {
		const mod = await import(join(here, '../test/helpers/planted-secrets.ts'));
		return mod.allPlantedSecrets();
	} finally {
		await unregister();
	}
}

/** Every form a planted secret could take in a line. */
export function leakForms(secret) {
	const forms = new Set([secret]);
	const hex = /^0x[0-9a-fA-F]+$/.test(secret) ? secret.slice(2) : undefined;
	const bytes = hex !== undefined ? Buffer.from(hex, 'hex') : Buffer.from(secret, 'utf8');
	forms.add(bytes.toString('hex').toLowerCase());
	forms.add(bytes.toString('hex').toUpperCase());
	forms.add(bytes.toString('base64'));
	forms.add(bytes.toString('base64url'));
	// JSON escapes nothing in these (hex, base64, ASCII PSKs), so the forms match the raw line.
	return [...forms].filter((f) => f.length >= 8);
}

const GENERIC = [
	{ name: '0x-hex key', re: /0x[0-9a-fA-F]{32,}/ },
	{ name: 'hex key', re: /(?<![0-9a-zA-Z])[0-9a-fA-F]{32,}(?![0-9a-zA-Z])/ },
	{ name: 'PEM private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

function* auditFiles(dir) {
	for (const name of readdirSync(dir).sort()) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) yield* auditFiles(p);
		else if (/\.(ndjson|log)$/.test(name)) yield p;
	}
}

export function scan(dir, secrets) {
	const planted = secrets.flatMap((s) => leakForms(s).map((form) => ({ secret: s, form })));
	const findings = [];
	let files = 0;
	let lines = 0;
	for (const file of auditFiles(dir)) {
		files++;
		const text = readFileSync(file, 'utf8');
		text.split('\n').forEach((line, i) => {
			if (line === '') return;
			lines++;
			const where = `${file}:${i + 1}`;
			const found = new Set();
			for (const { secret, form } of planted) {
				if (found.has(secret) || !line.includes(form)) continue;
				found.add(secret);
				findings.push({ where, what: `planted secret ${secret.slice(0, 12)}… (as ${form === secret ? 'written' : 'encoded'})`, line });
			}
			for (const g of GENERIC) {
				if (g.re.test(line)) findings.push({ where, what: g.name, line });
			}
		});
	}
	return { files, lines, findings };
}

async function main() {
	const { dir, minLines } = parseArgs(process.argv.slice(2));
	if (!existsSync(dir)) usage(`${dir} does not exist`);
	const secrets = await plantedSecrets();
	const { files, lines, findings } = scan(dir, secrets);
	if (lines < minLines) {
		process.stderr.write(`check-logs: only ${lines} log line(s) in ${files} file(s) under ${dir}; is ESPLANE_LOG_AUDIT_DIR reaching the tests?\n`);
		process.exit(2);
	}
	if (findings.length > 0) {
		for (const f of findings) process.stdout.write(`check-logs: LEAK ${f.where}: ${f.what}\n  ${f.line}\n`);
		process.stdout.write(`check-logs: ${findings.length} leak(s) in ${lines} log lines from ${files} file(s)\n`);
		process.exit(1);
	}
	process.stdout.write(`check-logs: ${lines} log lines from ${files} file(s), no key material\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
