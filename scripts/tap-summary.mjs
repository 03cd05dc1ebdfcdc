// Passes TAP from ava through unchanged and closes with one line "N passed, N failed, N skipped".
// Exits non-zero when any test failed, none ran, or the stream had a "Bail out!".
import { createInterface } from 'node:readline';

let passed = 0, failed = 0, skipped = 0, todo = 0, bail = false;
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(line + '\n');
  const m = /^(not ok|ok)\s+\d+\b(.*)$/.exec(line);
  if (m) {
    const directive = /#\s*(SKIP|TODO)\b/i.exec(m[2] ?? '');
    if (directive?.[1]?.toUpperCase() === 'SKIP') skipped++;
    else if (directive?.[1]?.toUpperCase() === 'TODO') todo++;
    else if (m[1] === 'ok') passed++;
    else failed++;
  } else if (line.startsWith('Bail out!')) {
    bail = true;
  }
}
if (bail && failed === 0) failed = 1;
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
