// The dataplane benchmarks measure in a child process of their own (EAL is once per process):
// each *.bench.ts runs its measuring script with arguments and reads the JSON it wrote.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** {script beside this file, its arguments (without --out), work dir, log} => the JSON the script wrote to --out */
export function measure<T>(script: string, args: string[], workDir: string, log: (line: string) => void): T {
	const out = join(workDir, script.replace(/\.ts$/, '.json'));
	const argv = ['--import', 'tsx', join(here, script), ...args, '--out', out];
	log(`node ${argv.join(' ')}`);
	const r = spawnSync('node', argv, { encoding: 'utf8', timeout: 20 * 60_000 });
	if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr.slice(-2000)}`);
	return JSON.parse(readFileSync(out, 'utf8')) as T;
}
