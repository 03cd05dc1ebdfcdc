// The resource types the API-server test double serves, with the facts about each that the
// server's behaviour depends on (scope, status subresource, schema validation).
export interface ResourceType {
	group: string; // '' = core
	version: string;
	plural: string;
	kind: string;
	namespaced: boolean;
	/** Writes to the main resource ignore status; /status writes ignore everything else. */
	statusSubresource: boolean;
	/** Bump metadata.generation when spec changes (CRDs, and built-ins that do). */
	generation: boolean;
	shortNames?: string[];
}

export const RESOURCES: ResourceType[] = [
	{ group: 'esplane.io', version: 'v1alpha1', plural: 'ipsectunnels', kind: 'IPsecTunnel', namespaced: true, statusSubresource: true, generation: true, shortNames: ['ipt', 'ipsect'] },
	{ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, statusSubresource: false, generation: false },
	{ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, statusSubresource: false, generation: false },
	{ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, statusSubresource: true, generation: false },
	{ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, statusSubresource: true, generation: false },
	// Stored, not acted on: lets the real-cluster path of cluster.ts (which applies crds/) run against the double.
	{ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, statusSubresource: true, generation: true },
	{ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true, statusSubresource: false, generation: false },
];

export function apiVersionOf(r: ResourceType): string {
	return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
	return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}
