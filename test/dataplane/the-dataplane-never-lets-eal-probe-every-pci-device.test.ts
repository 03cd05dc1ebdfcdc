import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundedPciProbe } from '../../operator/dataplane/binding.js';
import { cleanupUml, runInUml } from '../helpers/uml.js';

test('EAL arguments count as bounded only with --no-pci or an explicit allow-list', t => {
	t.true(boundedPciProbe(['--no-pci', '--vdev', 'net_null0']));
	t.true(boundedPciProbe(['-a', '0000:03:02.0']));
	t.true(boundedPciProbe(['-a0000:03:02.0']));
	t.true(boundedPciProbe(['--allow=0000:03:02.0']));
	t.false(boundedPciProbe(['--no-huge', '-m', '256', '--vdev', 'net_null0']));
	t.false(boundedPciProbe([]));
});

// Run where there is no PCI bus at all (a UML guest): if the guard ever broke, this test
// must not be the thing that takes the machine's own NIC away.
test('the library refuses to start EAL without --no-pci or an allow-list, naming both ways out', async t => {
	const r = await runInUml(`
		cat > "$OUT/config.json" <<'EOC'
{"ports": [{"name": "wan", "port": 0, "role": "wan"}, {"name": "lan", "port": 1, "role": "lan"}]}
EOC
		dataplane/build/esplane-dp --config "$OUT/config.json" --until-idle 100 -- --no-huge -m 256 --no-shconf --no-telemetry \\
			--vdev net_null0 --vdev net_null1 > "$OUT/out.txt" 2>&1
		echo "exit $?" >> "$OUT/out.txt"
	`, { timeoutMs: 60_000 });
	t.is(r.exitCode, 0, r.log);
	const out = readFileSync(join(r.outDir, 'out.txt'), 'utf8');
	t.regex(out, /pass --no-pci \(vdev ports\) or an explicit -a\/--allow list/);
	t.notRegex(out, /exit 0$/m, out);
	cleanupUml(r);
});
