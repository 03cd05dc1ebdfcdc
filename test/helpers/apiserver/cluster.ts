// The one switch between the API-server test double and a real cluster. Without KUBECONFIG
// (CI, these machines) every test gets its own double on a free port; with KUBECONFIG set,
// the same tests run against that cluster in a fresh namespace, with the CRD from crds/
// applied. Only the double can force watch-history compaction (410 Gone) on demand, so tests
// of that exact behaviour take the double from `startApiServerDouble`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { CRD_FILE } from '../../../operator/api/crd.js';
import { repoRoot } from '../../../operator/api/generate-crd.js';
import { ApiServerDouble } from './server.js';
import type { ApiServerDoubleOptions } from './server.js';

export interface TestCluster {
	kubeConfig: KubeConfig;
	/** $KUBECONFIG for child processes (kubectl, `esplane operator`, the agent): the user's, or a file naming the double. */
	kubeconfigEnv: string;
	namespace: string;
	/** Present when running against the double. */
	double?: ApiServerDouble;
	stop(): Promise<void>;
}

/** A client-node KubeConfig for the double. */
export function kubeConfigOf(double: ApiServerDouble): KubeConfig {
	const kc = new KubeConfig();
	kc.loadFromString(double.kubeconfigYaml());
	return kc;
}

export async function startApiServerDouble(options: ApiServerDoubleOptions = {}): Promise<TestCluster & { double: ApiServerDouble }> {
	const double = new ApiServerDouble(options);
	await double.start();
	const dir = mkdtempSync(join(tmpdir(), 'esplane-double-'));
	const kubeconfigEnv = join(dir, 'kubeconfig');
	writeFileSync(kubeconfigEnv, double.kubeconfigYaml());
	const stop = async () => {
		await double.stop();
		rmSync(dir, { recursive: true, force: true });
	};
	return { kubeConfig: kubeConfigOf(double), kubeconfigEnv, namespace: 'default', double, stop };
}

export async function startTestCluster(options: ApiServerDoubleOptions = {}): Promise<TestCluster> {
	if (!process.env.KUBECONFIG) return startApiServerDouble(options);
	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromDefault();
	const crd = yaml.load(readFileSync(join(repoRoot, CRD_FILE), 'utf8')) as V1CustomResourceDefinition;
	try {
		await kubeConfig.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
		await new Promise((r) => setTimeout(r, 2000)); // let the API server start serving it
	} catch (err) {
		if ((err as { code?: number }).code !== 409) throw err;
	}
	const namespace = `esplane-test-${process.pid}-${Date.now().toString(36)}`;
	const core = kubeConfig.makeApiClient(CoreV1Api);
	await core.createNamespace({ body: { metadata: { name: namespace } } });
	return {
		kubeConfig,
		kubeconfigEnv: process.env.KUBECONFIG,
		namespace,
		stop: async () => {
			await core.deleteNamespace({ name: namespace }).catch(() => undefined);
		},
	};
}
