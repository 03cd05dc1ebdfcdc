// Server-side printing, as the API server does it for `kubectl get`: when the client asks
// for `as=Table`, IPsecTunnels come back as a meta.k8s.io/v1 Table built from the CRD's
// additionalPrinterColumns (read from crds/), so `kubectl get ipsectunnels` shows exactly the
// columns users will see on a real cluster. JSONPath is the subset printer columns use:
// `.a.b`, and `[?(@.key=="value")]` filters on lists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CRD_FILE } from '../../../operator/api/crd.js';

type Json = Record<string, any>;

export interface PrinterColumn {
	name: string;
	type: string;
	jsonPath: string;
	priority?: number;
	description?: string;
}

export function printerColumns(root: string): PrinterColumn[] {
	const crd = yaml.load(readFileSync(join(root, CRD_FILE), 'utf8')) as { spec: { versions: { additionalPrinterColumns?: PrinterColumn[] }[] } };
	return crd.spec.versions[0]?.additionalPrinterColumns ?? [];
}

/** Evaluate a printer-column JSONPath; undefined when any step is missing. */
export function jsonPath(obj: unknown, path: string): unknown {
	const steps = path.match(/\.[A-Za-z0-9_-]+|\[\?\(@\.[A-Za-z0-9_]+=="[^"]*"\)\]/g) ?? [];
	let values: unknown[] = [obj];
	for (const step of steps) {
		if (step.startsWith('.')) {
			const key = step.slice(1);
			values = values.flatMap((v) => (v && typeof v === 'object' && key in (v as Json) ? [(v as Json)[key]] : []));
		} else {
			const [, key = '', want] = step.match(/@\.([A-Za-z0-9_]+)=="([^"]*)"/) ?? [];
			values = values.flatMap((v) => (Array.isArray(v) ? v.filter((item) => item && (item as Json)[key] === want) : []));
		}
	}
	return values[0];
}

/** Kubernetes' HumanDuration, as `kubectl get` shows ages. */
export function humanAge(since: Date, now = new Date()): string {
	const s = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
	if (s < 120) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
	if (m < 180) return `${m}m`;
	const h = Math.floor(m / 60);
	if (h < 48) return `${h}h`;
	return `${Math.floor(h / 24)}d`;
}

export function wantsTable(accept: string | undefined): boolean {
	return (accept ?? '').split(',').some((part) => part.includes('as=Table'));
}

export function toTable(columns: PrinterColumn[], objects: Json[], resourceVersion: string): Json {
	return {
		kind: 'Table',
		apiVersion: 'meta.k8s.io/v1',
		metadata: { resourceVersion },
		columnDefinitions: [
			{ name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
			...columns.map((c) => ({ name: c.name, type: c.type, format: '', description: c.description ?? '', priority: c.priority ?? 0 })),
		],
		rows: objects.map((o) => ({
			cells: [
				o.metadata.name,
				...columns.map((c) => {
					const v = jsonPath(o, c.jsonPath);
					if (v === undefined || v === null) return null;
					if (c.type === 'date') return humanAge(new Date(String(v)));
					return v;
				}),
			],
			object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
		})),
	};
}
