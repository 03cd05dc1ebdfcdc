import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchReport } from '../../bench/types.js';

test('bench --quick runs every benchmark module and writes JSON, Markdown and SVG results', t => {
	const r = spawnSync('node', ['--import', 'tsx', 'bench/run.ts', '--quick'], { encoding: 'utf8', timeout: 10 * 60_000 });
	t.is(r.status, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
	const base = /^results: (.*)\.\{json,md,svg\}$/m.exec(r.stdout)?.[1];
	t.truthy(base, r.stdout.slice(-2000));
	if (!base) return;
	for (const ext of ['json', 'md', 'svg']) t.true(existsSync(`${base}.${ext}`), `${base}.${ext}`);
	const results = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { reports: BenchReport[]; failures: string[] };
	t.deepEqual(results.failures, []);
	const modules = readdirSync('bench', { withFileTypes: true }).filter(d => d.isDirectory() && d.name !== 'results')
		.flatMap(d => readdirSync(`bench/${d.name}`).filter(f => f.endsWith('.bench.ts')));
	t.is(results.reports.length, modules.length, 'one report per benchmark module');
	for (const report of results.reports) t.true(report.rows.length > 0, `${report.name} has rows`);
	rmSync(dirname(base), { recursive: true, force: true });
});
