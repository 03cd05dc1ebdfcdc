// The real Helm lints the chart (strict: warnings fail) with the default values and with the
// values file of each supported mode, and rejects values outside the supported modes with a
// message that names the value.
import test from 'ava';
import { join } from 'node:path';
import { CHART, MODES, helm, templateArgs } from './helm.js';

for (const mode of MODES) {
	test(`helm lint --strict passes with ${mode.name} values`, (t) => {
		const r = helm(['lint', '--strict', CHART, ...mode.values.flatMap((v) => ['-f', join(CHART, v)])]);
		t.is(r.code, 0, r.stdout + r.stderr);
		t.regex(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
	});
}

const BAD: Array<{ set: string; message: RegExp }> = [
	{ set: 'dataplane=vpp', message: /dataplane must be dpdk or kernel, not "vpp"/ },
	{ set: 'agent.dpdk.hugepageSize=4Mi', message: /agent\.dpdk\.hugepageSize must be 2Mi or 1Gi, not "4Mi"/ },
	{ set: 'agent.dpdk.cpus=1.5', message: /agent\.dpdk\.cpus must be a whole number of cores/ },
	{ set: 'agent.dpdk.cpus=0', message: /agent\.dpdk\.cpus must be a whole number of cores/ },
];

for (const bad of BAD) {
	test(`helm template refuses ${bad.set} and says why`, (t) => {
		const r = helm(templateArgs([], [bad.set]));
		t.not(r.code, 0);
		t.regex(r.stderr, bad.message);
	});
}
