// With an audit directory (ESPLANE_LOG_AUDIT_DIR, or auditDir in the options) every logger
// of the process appends every line — at every level, whatever level its own destination
// has — to <dir>/<pid>.ndjson, the same scrubbed JSON the destination gets. That file is
// what scripts/check-logs.mjs reads after the suite.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../operator/log/index.js';
import { PLANTED_PSKS } from '../helpers/planted-secrets.js';
import { captureLines } from './log-capture.js';

test('two loggers share one audit file that holds every level, scrubbed, while the destination keeps its own level', (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'espops-audit-'));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const cap = captureLines();
	const agent = createLogger('agent', { destination: cap.stream, level: 'info', auditDir: dir });
	const vici = createLogger('vici', { destination: captureLines().stream, level: 'silent', auditDir: dir });
	agent.debug({ tunnel: 'a/b' }, 'tunnel rendered');
	agent.info({ tunnel: 'a/b', psk: PLANTED_PSKS.siteA }, 'tunnel loaded');
	vici.trace({ cmd: 'load-shared' }, 'vici request');

	t.deepEqual(cap.lines().map((l) => (JSON.parse(l) as { msg: string }).msg), ['tunnel loaded']);
	const audit = readFileSync(join(dir, `${process.pid}.ndjson`), 'utf8').trim().split('\n');
	const parsed = audit.map((l) => JSON.parse(l) as Record<string, unknown>);
	t.deepEqual(parsed.map((o) => [o['name'], o['level'], o['msg']]), [
		['agent', 'debug', 'tunnel rendered'],
		['agent', 'info', 'tunnel loaded'],
		['vici', 'trace', 'vici request'],
	]);
	t.is(parsed[1]?.['psk'], '[REDACTED]');
	t.false(audit.join('\n').includes(PLANTED_PSKS.siteA));
});

test('the audit directory comes from ESPLANE_LOG_AUDIT_DIR when no option is given', (t) => {
	const dir = mkdtempSync(join(tmpdir(), 'espops-audit-env-'));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const saved = process.env['ESPLANE_LOG_AUDIT_DIR'];
	process.env['ESPLANE_LOG_AUDIT_DIR'] = dir;
	try {
		createLogger('env', { destination: captureLines().stream }).warn({ n: 1 }, 'from env');
	} finally {
		if (saved === undefined) delete process.env['ESPLANE_LOG_AUDIT_DIR'];
		else process.env['ESPLANE_LOG_AUDIT_DIR'] = saved;
	}
	const line = JSON.parse(readFileSync(join(dir, `${process.pid}.ndjson`), 'utf8').trim()) as Record<string, unknown>;
	t.is(line['msg'], 'from env');
	t.is(line['n'], 1);
});
