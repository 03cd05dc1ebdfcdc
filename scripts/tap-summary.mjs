// Passes TAP from ava through unchanged and counts the results. With --counts FILE it writes
// "passed failed skipped" there (scripts/test.sh prints the closing line after its own
// checks); without, it prints the closing line "N passed, N failed[, N skipped]" itself.
// A "Bail out!" counts as a failure.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const countsIndex = process.argv.indexOf('--counts');
const countsFile = countsIndex > 0 ? process.argv[countsIndex + 1] : undefined;

let passed = 0, failed = 0, skipped = 0, bail = false;
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(line + '\n');
  const m = /^(not ok|ok)\s+\d+\b(.*)$/.exec(line);
  if (m) {
    const directive = /#\s*(SKIP|TODO)\b/i.exec(m[2] ?? '');
    if (directive) skipped++;
    else if (m[1] === 'ok') passed++;
    else failed++;
  } else if (line.startsWith('Bail out!')) {
    bail = true;
  }
}
if (bail && failed === 0) failed = 1;
if (countsFile) writeFileSync(countsFile, `${passed} ${failed} ${skipped}\n`);
else process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
