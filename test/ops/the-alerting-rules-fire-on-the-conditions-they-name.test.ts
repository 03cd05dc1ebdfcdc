// esplane's alerting rules (charts/esplane/files/alerts.yaml) are valid for Prometheus
// (`promtool check rules`), fire on the conditions they name and stay quiet otherwise
// (`promtool test rules` over test/ops/alerts.promtest.yaml: a stuck tunnel, sequence numbers
// running out, ICV failures, no operator leader), and the chart's PrometheusRule carries
// exactly those groups.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CHART, ROOT, find, render } from './helm.js';
import type { K8sObject } from './helm.js';

const promtool = (...args: string[]) => {
	const r = spawnSync('/usr/bin/promtool', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
	return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

test('promtool check rules accepts every rule', (t) => {
	const r = promtool('check', 'rules', join(CHART, 'files/alerts.yaml'));
	t.is(r.code, 0, r.out);
	t.regex(r.out, /SUCCESS: 8 rules found/);
});

test('promtool test rules: each alert fires on its condition and not otherwise', (t) => {
	const r = promtool('test', 'rules', 'test/ops/alerts.promtest.yaml');
	t.is(r.code, 0, r.out);
	t.regex(r.out, /SUCCESS/);
});

test("the chart's PrometheusRule carries the rule file's groups", (t) => {
	const rule = find(render(['ci/monitoring-values.yaml']), 'PrometheusRule', 'esplane') as K8sObject & { spec: unknown };
	const file = yaml.load(readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8')) as { groups: unknown };
	t.deepEqual(rule.spec, { groups: file.groups });
});
