// The narrow Kubernetes surface the operator and the agent use, over @kubernetes/client-node.
// Controllers take a `KubeApi` so a test can hand in the real client pointed at the API-server
// test double (what the suite does) or a fake. Every call throws KubeApiError on failure.
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig, V1Lease, V1Node, V1Secret } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/ipsectunnel.js';
import type { IPsecTunnel, IPsecTunnelStatus } from '../api/ipsectunnel.js';
import { toKubeApiError } from './errors.js';

export interface KubeList<T> {
	items: T[];
	metadata?: { resourceVersion?: string };
}

export interface JsonPatchOp {
	op: 'add' | 'remove' | 'replace' | 'test';
	path: string;
	value?: unknown;
}

export interface KubeApi {
	readonly kubeConfig: KubeConfig;
	listTunnels(namespace?: string, labelSelector?: string): Promise<KubeList<IPsecTunnel>>;
	getTunnel(namespace: string, name: string): Promise<IPsecTunnel>;
	/** Merge-patch the status subresource; with `resourceVersion` the write fails with 409 if the object moved on. */
	patchTunnelStatus(namespace: string, name: string, status: Partial<IPsecTunnelStatus> | null, resourceVersion?: string): Promise<IPsecTunnel>;
	/** JSON-patch the main resource; a `test` op first makes it conflict-safe. */
	jsonPatchTunnel(namespace: string, name: string, ops: JsonPatchOp[]): Promise<IPsecTunnel>;
	/** Merge-patch the main resource (finalizers, labels); `metadata.resourceVersion` in the patch is a precondition (409). */
	mergePatchTunnel(namespace: string, name: string, patch: Record<string, unknown>): Promise<IPsecTunnel>;
	getSecret(namespace: string, name: string): Promise<V1Secret>;
	listSecrets(namespace?: string): Promise<KubeList<V1Secret>>;
	listNodes(labelSelector?: string, fieldSelector?: string): Promise<KubeList<V1Node>>;
	getNode(name: string): Promise<V1Node>;
	listLeases(namespace: string, labelSelector?: string): Promise<KubeList<V1Lease>>;
	getLease(namespace: string, name: string): Promise<V1Lease>;
	createLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
	replaceLease(namespace: string, name: string, lease: V1Lease): Promise<V1Lease>;
	createEvent(namespace: string, event: CoreV1Event): Promise<void>;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (err) {
		throw toKubeApiError(err);
	}
}

const crd = { group: GROUP, version: VERSION, plural: PLURAL };

export function kubeApi(kubeConfig: KubeConfig): KubeApi {
	const custom = kubeConfig.makeApiClient(CustomObjectsApi);
	const core = kubeConfig.makeApiClient(CoreV1Api);
	const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
	const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
	const json = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
	return {
		kubeConfig,
		listTunnels: (namespace, labelSelector) =>
			call(() =>
				namespace
					? custom.listNamespacedCustomObject({ ...crd, namespace, ...(labelSelector ? { labelSelector } : {}) })
					: custom.listClusterCustomObject({ ...crd, ...(labelSelector ? { labelSelector } : {}) }),
			),
		getTunnel: (namespace, name) => call(() => custom.getNamespacedCustomObject({ ...crd, namespace, name })),
		patchTunnelStatus: (namespace, name, status, resourceVersion) =>
			call(() =>
				custom.patchNamespacedCustomObjectStatus(
					{ ...crd, namespace, name, body: { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), status } },
					merge,
				),
			),
		mergePatchTunnel: (namespace, name, patch) => call(() => custom.patchNamespacedCustomObject({ ...crd, namespace, name, body: patch }, merge)),
		jsonPatchTunnel: (namespace, name, ops) => call(() => custom.patchNamespacedCustomObject({ ...crd, namespace, name, body: ops }, json)),
		getSecret: (namespace, name) => call(() => core.readNamespacedSecret({ namespace, name })),
		listSecrets: (namespace) => call(() => (namespace ? core.listNamespacedSecret({ namespace }) : core.listSecretForAllNamespaces())),
		listNodes: (labelSelector, fieldSelector) => call(() => core.listNode({ ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })),
		getNode: (name) => call(() => core.readNode({ name })),
		listLeases: (namespace, labelSelector) => call(() => coordination.listNamespacedLease({ namespace, ...(labelSelector ? { labelSelector } : {}) })),
		getLease: (namespace, name) => call(() => coordination.readNamespacedLease({ namespace, name })),
		createLease: (namespace, lease) => call(() => coordination.createNamespacedLease({ namespace, body: lease })),
		replaceLease: (namespace, name, lease) => call(() => coordination.replaceNamespacedLease({ namespace, name, body: lease })),
		createEvent: async (namespace, event) => {
			await call(() => core.createNamespacedEvent({ namespace, body: event }));
		},
	};
}
