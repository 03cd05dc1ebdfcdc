// The agent's standalone source of tunnels (`esplane agent --config-dir DIR`): YAML files
// holding the same objects a cluster would — IPsecTunnel (esplane.io/v1alpha1) and v1
// Secret — so an edge host, the demo and a cluster share one schema and one reconcile path.
// Loading is total: a bad file or document is reported with its place and skipped, the rest
// still loads; nothing here throws on user input.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { API_VERSION, KIND, type IPsecTunnel } from '../../api/ipsectunnel.js';

export interface ConfigProblem {
	file: string;
	/** 0-based index of the YAML document in the file */
	document: number;
	message: string;
}

/** Secret data by key, decoded to bytes. */
export type SecretData = Record<string, Buffer>;

export interface ConfigSnapshot {
	tunnels: IPsecTunnel[];
	/** keyed by `namespace/name` */
	secrets: Map<string, SecretData>;
	problems: ConfigProblem[];
}

/** Checks a tunnel beyond its shape; returns messages that name the field, empty when valid. */
export type TunnelValidator = (tunnel: IPsecTunnel) => string[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function secretData(doc: Record<string, unknown>): SecretData | string {
	const out: SecretData = {};
	const data = doc['data'] ?? {};
	const stringData = doc['stringData'] ?? {};
	if (!isRecord(data) || !isRecord(stringData)) return 'data and stringData must be maps';
	for (const [k, v] of Object.entries(data)) {
		if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ''))) return `data.${k} is not base64`;
		out[k] = Buffer.from(v, 'base64');
	}
	// As in Kubernetes, stringData wins over data for the same key.
	for (const [k, v] of Object.entries(stringData)) {
		if (typeof v !== 'string') return `stringData.${k} must be a string`;
		out[k] = Buffer.from(v, 'utf8');
	}
	return out;
}

export function loadConfigDir(dir: string, validate: TunnelValidator): ConfigSnapshot {
	const snapshot: ConfigSnapshot = { tunnels: [], secrets: new Map(), problems: [] };
	let files: string[];
	try {
		files = readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort();
	} catch (e) {
		snapshot.problems.push({ file: dir, document: 0, message: `cannot read the config directory: ${(e as Error).message}` });
		return snapshot;
	}
	const seen = new Set<string>();
	for (const file of files) {
		const path = join(dir, file);
		let docs: unknown[];
		try {
			if (!statSync(path).isFile()) continue;
			docs = yaml.loadAll(readFileSync(path, 'utf8'));
		} catch (e) {
			snapshot.problems.push({ file, document: 0, message: `not valid YAML: ${(e as Error).message.split('\n')[0]}` });
			continue;
		}
		docs.forEach((doc, index) => {
			const problem = (message: string) => snapshot.problems.push({ file, document: index, message });
			if (doc === null || doc === undefined) return;
			if (!isRecord(doc)) return problem('a document must be a Kubernetes object (a map)');
			const meta = doc['metadata'];
			if (!isRecord(meta) || typeof meta['name'] !== 'string' || meta['name'] === '') return problem('metadata.name is required');
			const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
			const id = `${namespace}/${meta['name']}`;
			if (doc['apiVersion'] === 'v1' && doc['kind'] === 'Secret') {
				const data = secretData(doc);
				if (typeof data === 'string') return problem(`Secret ${id}: ${data}`);
				snapshot.secrets.set(id, data);
				return;
			}
			if (doc['apiVersion'] !== API_VERSION || doc['kind'] !== KIND) {
				return problem(`unsupported object ${String(doc['apiVersion'])}/${String(doc['kind'])}: expected ${API_VERSION}/${KIND} or v1/Secret`);
			}
			if (seen.has(id)) return problem(`IPsecTunnel ${id} is defined twice; the first definition is used`);
			const tunnel = { ...doc, metadata: { ...meta, namespace } } as unknown as IPsecTunnel;
			const errors = isRecord(doc['spec']) ? validate(tunnel) : ['spec is required'];
			if (errors.length > 0) return problem(`IPsecTunnel ${id}: ${errors.join('; ')}`);
			seen.add(id);
			snapshot.tunnels.push(tunnel);
		});
	}
	return snapshot;
}
