// The OpenAPI v3 schema of IPsecTunnel as data, checked by `tsc` against the types in
// ipsectunnel.ts (see schema-builder.ts for how). generate-crd.ts turns it into
// crds/esplane.io_ipsectunnels.yaml. Patterns here are deliberately the coarse first line
// (shape of an IP, a CIDR, a duration); validate.ts does the exact checks (octet ranges,
// host bits, address families) and reports them in the Accepted condition.
import type { IPsecTunnelSpec, IPsecTunnelStatus } from './ipsectunnel.js';
import { authRules, endpointRules, specRules } from './rules.js';
import type { CelRule, ObjectSchema, SchemaFor } from './schema-builder.js';
import { toOpenApi } from './schema-builder.js';
import type { CrossFieldRule } from './rules.js';

const IPV4 = '((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV6 = '[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}';
const DNS_NAME = '[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*';
export const PATTERNS = {
	address: `^(%any|${IPV4}|${IPV6}|${DNS_NAME})$`,
	cidr: `^(${IPV4}/([0-9]|[12][0-9]|3[0-2])|${IPV6}/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$`,
	ip: `^(${IPV4}|${IPV6})$`,
	duration: '^([0-9]+(ms|s|m|h|d))+$',
	proposal: '^[a-z0-9_]+(-[a-z0-9_]+)*$',
	protocol: '^(tcp|udp|icmp|ipv6-icmp|sctp|gre|[0-9]{1,3})$',
	ports: '^[0-9]{1,5}(-[0-9]{1,5})?$',
	secretName: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
	secretKey: '^[-._a-zA-Z0-9]+$',
} as const;

const cel = <T>(rules: CrossFieldRule<T>[]): CelRule[] =>
	rules.map((r) => (r.fieldPath === undefined ? { rule: r.cel, message: r.message } : { rule: r.cel, message: r.message, fieldPath: r.fieldPath }));

const cidrList = { type: 'array', items: { type: 'string', pattern: PATTERNS.cidr }, maxItems: 64 } as const;
const proposals = { type: 'array', items: { type: 'string', pattern: PATTERNS.proposal, maxLength: 128 }, minItems: 1, maxItems: 16 } as const;
const secretName = { type: 'string', pattern: PATTERNS.secretName, maxLength: 253 } as const;

const endpoint: SchemaFor<IPsecTunnelSpec['local']> = {
	type: 'object',
	description: 'One side of the tunnel.',
	properties: {
		address: { type: 'string', pattern: PATTERNS.address, maxLength: 253, description: 'IP address or DNS name; %any on the remote side accepts any peer.' },
		id: { type: 'string', minLength: 1, maxLength: 255, description: 'IKE identity: IP, @fqdn, user@fqdn or an X.509 DN. Defaults to the address.' },
		subnets: { ...cidrList, minItems: 1, $required: true, description: 'Protected subnets (traffic selectors).' },
		protocol: { type: 'string', pattern: PATTERNS.protocol, description: 'Narrow the selectors to one protocol.' },
		ports: { type: 'string', pattern: PATTERNS.ports, description: 'A port or port range, e.g. 443 or 1000-2000.' },
	},
	'x-kubernetes-validations': cel(endpointRules),
};

const specSchema: ObjectSchema<IPsecTunnelSpec> = {
	type: 'object',
	properties: {
		local: { ...endpoint, $required: true },
		remote: { ...endpoint, $required: true },
		spokes: {
			type: 'array',
			maxItems: 1024,
			description: 'Hub mode: one entry per spoke (needs remote.address %any).',
			items: {
				type: 'object',
				properties: {
					id: { type: 'string', minLength: 1, maxLength: 255, $required: true },
					subnets: { ...cidrList, minItems: 1, $required: true },
				},
			},
		},
		auth: {
			type: 'object',
			$required: true,
			description: 'Exactly one authentication method.',
			properties: {
				psk: {
					type: 'object',
					description: 'Pre-shared key from a Secret key.',
					properties: {
						secretRef: {
							type: 'object',
							$required: true,
							properties: {
								name: { ...secretName, $required: true },
								key: { type: 'string', pattern: PATTERNS.secretKey, maxLength: 253, $required: true },
							},
						},
					},
				},
				x509: {
					type: 'object',
					description: 'A kubernetes.io/tls Secret (tls.crt, tls.key, optional ca.crt).',
					properties: { secretName: { ...secretName, $required: true } },
				},
				eap: {
					type: 'object',
					description: 'EAP for remote-access clients; users in a Secret (user: password).',
					properties: {
						method: { type: 'string', enum: ['mschapv2', 'md5'], $required: true },
						usersSecretRef: { type: 'object', $required: true, properties: { name: { ...secretName, $required: true } } },
					},
				},
			},
			'x-kubernetes-validations': cel(authRules),
		},
		ike: {
			type: 'object',
			properties: {
				version: { type: 'integer', enum: [1, 2], default: 2 },
				proposals,
				lifetime: { type: 'string', pattern: PATTERNS.duration, default: '4h' },
			},
		},
		esp: {
			type: 'object',
			properties: {
				proposals,
				lifetime: { type: 'string', pattern: PATTERNS.duration, default: '1h' },
				lifeBytes: { type: 'integer', format: 'int64', minimum: 0 },
				lifePackets: { type: 'integer', format: 'int64', minimum: 0 },
				replayWindow: { type: 'integer', minimum: 0, maximum: 4096, default: 64 },
			},
		},
		dpd: {
			type: 'object',
			properties: {
				delay: { type: 'string', pattern: PATTERNS.duration, default: '30s' },
				action: { type: 'string', enum: ['restart', 'clear', 'trap'], default: 'restart' },
			},
		},
		natTraversal: { type: 'string', enum: ['auto', 'force', 'off'], default: 'auto' },
		startAction: { type: 'string', enum: ['start', 'add', 'trap'], default: 'start' },
		mtu: { type: 'integer', minimum: 576, maximum: 9216 },
		mssClamp: { type: 'integer', minimum: 0, maximum: 9176 },
		gateway: {
			type: 'object',
			properties: {
				nodeSelector: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 }, maxProperties: 32 },
			},
		},
		remoteAccess: {
			type: 'object',
			properties: {
				pools: { ...cidrList, minItems: 1, $required: true },
				dns: { type: 'array', items: { type: 'string', pattern: PATTERNS.ip }, maxItems: 8 },
			},
		},
		dataplane: { type: 'string', enum: ['dpdk', 'kernel'], default: 'dpdk' },
	},
	'x-kubernetes-validations': cel(specRules),
};

const counter = { type: 'integer', format: 'int64', minimum: 0 } as const;

const statusSchema: ObjectSchema<IPsecTunnelStatus> = {
	type: 'object',
	properties: {
		observedGeneration: { type: 'integer', format: 'int64' },
		conditions: {
			type: 'array',
			'x-kubernetes-list-type': 'map',
			'x-kubernetes-list-map-keys': ['type'],
			maxItems: 8,
			items: {
				type: 'object',
				properties: {
					type: { type: 'string', enum: ['Accepted', 'Programmed', 'Established', 'Ready'], $required: true },
					status: { type: 'string', enum: ['True', 'False', 'Unknown'], $required: true },
					reason: { type: 'string', pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', maxLength: 1024, $required: true },
					message: { type: 'string', maxLength: 32768, $required: true },
					lastTransitionTime: { type: 'string', format: 'date-time', $required: true },
					observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
				},
			},
		},
		node: { type: 'string' },
		nodeReason: { type: 'string' },
		ike: {
			type: 'object',
			properties: {
				state: { type: 'string', $required: true },
				version: { type: 'integer', $required: true },
				localId: { type: 'string' },
				remoteId: { type: 'string' },
				established: { type: 'string' },
			},
		},
		childSas: {
			type: 'array',
			maxItems: 64,
			items: {
				type: 'object',
				properties: {
					name: { type: 'string', $required: true },
					state: { type: 'string', $required: true },
					spiIn: { type: 'string', $required: true },
					spiOut: { type: 'string', $required: true },
					protocol: { type: 'string', $required: true },
					encapsulated: { type: 'boolean', $required: true },
					localTs: { type: 'array', items: { type: 'string' }, $required: true },
					remoteTs: { type: 'array', items: { type: 'string' }, $required: true },
					packetsIn: { ...counter, $required: true },
					packetsOut: { ...counter, $required: true },
					bytesIn: { ...counter, $required: true },
					bytesOut: { ...counter, $required: true },
				},
			},
		},
		sas: { type: 'integer', minimum: 0 },
		traffic: {
			type: 'object',
			properties: {
				packetsIn: { ...counter, $required: true },
				packetsOut: { ...counter, $required: true },
				bytesIn: { ...counter, $required: true },
				bytesOut: { ...counter, $required: true },
				lastSeen: { type: 'string', format: 'date-time' },
			},
		},
		lastError: { type: 'string' },
		agentNode: { type: 'string' },
		credentialsVersion: { type: 'string' },
	},
};

/** The plain OpenAPI v3 schemas (builder flags removed). */
export const ipsecTunnelSpecSchema = toOpenApi(specSchema);
export const ipsecTunnelStatusSchema = toOpenApi(statusSchema);
