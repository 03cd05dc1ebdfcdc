// The IPsecTunnel CustomResourceDefinition as an object: names, the status subresource,
// printer columns and the schema from schema.ts. generate-crd.ts writes it to crds/; the
// API-server test double reads that file back, as a real API server would.
import { GROUP, KIND, PLURAL, VERSION } from './ipsectunnel.js';
import { ipsecTunnelSpecSchema, ipsecTunnelStatusSchema } from './schema.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const CRD_FILE = 'crds/esplane.io_ipsectunnels.yaml';
export const SHORT_NAMES = ['ipt', 'ipsect'];

export function ipsecTunnelCrd(): Record<string, unknown> {
	return {
		apiVersion: 'apiextensions.k8s.io/v1',
		kind: 'CustomResourceDefinition',
		metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'esplane', 'app.kubernetes.io/part-of': 'esplane' } },
		spec: {
			group: GROUP,
			names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: KIND.toLowerCase(), shortNames: SHORT_NAMES, categories: ['esplane'] },
			scope: 'Namespaced',
			versions: [
				{
					name: VERSION,
					served: true,
					storage: true,
					subresources: { status: {} },
					additionalPrinterColumns: [
						{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
						{ name: 'Node', type: 'string', jsonPath: '.status.node' },
						{ name: 'Local', type: 'string', jsonPath: '.spec.local.address' },
						{ name: 'Remote', type: 'string', jsonPath: '.spec.remote.address' },
						{ name: 'SAs', type: 'integer', jsonPath: '.status.sas' },
						{ name: 'Reason', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
						{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
					],
					schema: {
						openAPIV3Schema: {
							type: 'object',
							description: 'An IPsec tunnel served by one gateway node of the cluster.',
							required: ['spec'],
							properties: {
								apiVersion: { type: 'string' },
								kind: { type: 'string' },
								metadata: { type: 'object' },
								spec: ipsecTunnelSpecSchema,
								status: ipsecTunnelStatusSchema,
							},
						},
					},
				},
			],
		},
	};
}
