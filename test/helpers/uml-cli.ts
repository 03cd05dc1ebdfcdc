// Command-line face of uml.ts for people: node --import tsx test/helpers/uml-cli.ts script.sh [KEY=val …]
import { readFileSync } from 'node:fs';
import { runInUml } from "../../operator/uml/run.js";

const [scriptPath, ...pairs] = process.argv.slice(2);
if (!scriptPath) {
	process.stderr.write('usage: uml-cli.ts script.sh [KEY=val ...]\n');
	process.exit(2);
}
const env = Object.fromEntries(pairs.map(p => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
const r = await runInUml(readFileSync(scriptPath, 'utf8'), { env, keep: true, timeoutMs: 600_000 });
process.stdout.write(r.log);
process.stderr.write(`uml: exit ${r.exitCode}${r.failure ? ` (${r.failure})` : ''}; OUT=${r.outDir}\n`);
process.exit(r.exitCode < 0 ? 1 : r.exitCode);
