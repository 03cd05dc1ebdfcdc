// Running the real Helm (v3.17, unpacked by scripts/setup.sh into .tools/helm) against
// charts/esplane, for the chart and manifest tests.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HELM = join(ROOT, '.tools/helm');
export const CHART = join(ROOT, 'charts/esplane');
export const RELEASE = 'esplane';
export const NAMESPACE = 'esplane-system';

/** The supported modes, each a values file the chart is linted, rendered and validated with. */
export const MODES: ReadonlyArray<{ name: string; values: string[] }> = [
	{ name: 'defaults', values: [] },
	{ name: 'dpdk', values: ['ci/dpdk-values.yaml'] },
	{ name: 'kernel', values: ['ci/kernel-values.yaml'] },
	{ name: 'monitoring', values: ['ci/monitoring-values.yaml'] },
];

export interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; [k: string]: unknown };
	[k: string]: unknown;
}

export function helm(args: string[]): { code: number; stdout: string; stderr: string } {
	const r = spawnSync(HELM, args, { cwd: CHART, encoding: 'utf8', timeout: 60_000 });
	if (r.error) throw r.error;
	return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function templateArgs(values: string[], set: string[] = []): string[] {
	return [
		'template', RELEASE, CHART, '--namespace', NAMESPACE, '--include-crds',
		...values.flatMap((v) => ['-f', join(CHART, v)]),
		...set.flatMap((s) => ['--set', s]),
	];
}

/** `helm template` as text; throws with Helm's message when the render fails. */
export function renderText(values: string[] = [], set: string[] = []): string {
	const r = helm(templateArgs(values, set));
	if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
	return r.stdout;
}

export function parseDocs(text: string): K8sObject[] {
	return yaml.loadAll(text).filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export function render(values: string[] = [], set: string[] = []): K8sObject[] {
	return parseDocs(renderText(values, set));
}

export function find(objs: K8sObject[], kind: string, name: string): K8sObject {
	const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
	if (!o) throw new Error(`${kind}/${name} not rendered`);
	return o;
}
