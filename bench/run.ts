// npm run bench [-- --quick] [--only AREA]: runs every bench/<area>/*.bench.ts, prints a
// table, and writes bench/results/<timestamp>.{json,md,svg}. Benchmarks are never tests:
// nothing here fails on a missed target; it reports the number next to the goal.
import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toMarkdown, toSvg } from './render.js';
import type { Benchmark, BenchReport } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

function discover(): string[] {
	const files: string[] = [];
	for (const area of readdirSync(here, { withFileTypes: true })) {
		if (!area.isDirectory() || area.name === 'results') continue;
		if (only && area.name !== only) continue;
		for (const f of readdirSync(join(here, area.name))) if (f.endsWith('.bench.ts')) files.push(join(here, area.name, f));
	}
	return files.sort();
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux, node ${process.version}`;
const reports: BenchReport[] = [];
const failures: string[] = [];
for (const file of discover()) {
	const mod = (await import(pathToFileURL(file).href)) as { default: Benchmark };
	const workDir = mkdtempSync('/var/tmp/esplane-bench-');
	process.stderr.write(`bench: ${mod.default.title}${quick ? ' (quick)' : ''}\n`);
	const started = Date.now();
	try {
		const report = await mod.default.run({ quick, workDir, log: m => process.stderr.write(`  ${m}\n`) });
		if (report.rows.length === 0) throw new Error('measured nothing (no rows)');
		reports.push(report);
		process.stderr.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
	} catch (e) {
		failures.push(`${mod.default.title}: ${(e as Error).message}`);
		process.stderr.write(`bench: ${mod.default.title} failed: ${(e as Error).stack}\n`);
	} finally {
		rmSync(workDir, { recursive: true, force: true });
	}
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = quick ? mkdtempSync('/var/tmp/esplane-bench-results-') : join(here, 'results');
mkdirSync(outDir, { recursive: true });
const md = toMarkdown(reports, machine);
writeFileSync(join(outDir, `${stamp}.json`), JSON.stringify({ machine, quick, date: new Date().toISOString(), reports, failures }, null, 2) + '\n');
writeFileSync(join(outDir, `${stamp}.md`), md);
writeFileSync(join(outDir, `${stamp}.svg`), toSvg(reports));
process.stdout.write(md + '\n');
if (quick) {
	// A smoke run's numbers mean nothing: show them, keep nothing.
	rmSync(outDir, { recursive: true, force: true });
	process.stdout.write('quick run: results not kept\n');
} else {
	process.stdout.write(`results: ${join(outDir, stamp)}.{json,md,svg}\n`);
}
if (failures.length) {
	process.stdout.write(`failed benchmarks:\n${failures.map(f => `  ${f}`).join('\n')}\n`);
	process.exitCode = 1;
}
