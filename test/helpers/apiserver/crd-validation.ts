// What a real API server does with an IPsecTunnel on write, reproduced from the committed CRD
// file (not from the TypeScript schema, so the file itself is what gets tested): prune unknown
// fields, apply defaults, check the OpenAPI schema (ajv), then the CEL rules — which ajv
// cannot run, so the same rules' TypeScript twins from operator/api/rules.ts stand in.
// Violations come back as Kubernetes field causes (`spec.local.subnets[0]: Invalid value…`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import yaml from 'js-yaml';
import { CRD_FILE } from '../../../operator/api/crd.js';
import type { IPsecTunnelSpec } from '../../../operator/api/ipsectunnel.js';
import { checkCrossFieldRules } from '../../../operator/api/rules.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface FieldCause {
	reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueForbidden';
	field: string;
	message: string;
}

type Json = Record<string, unknown>;

/** Kubernetes prunes unknown fields: make every object with `properties` closed for ajv. */
function closeObjects(schema: Json): Json {
	const out: Json = {};
	for (const [key, value] of Object.entries(schema)) {
		if (key.startsWith('x-kubernetes-')) continue;
		if (key === 'properties') {
			out.properties = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([k, v]) => [k, closeObjects(v)]));
		} else if (key === 'items' || key === 'additionalProperties') {
			out[key] = closeObjects(value as Json);
		} else out[key] = value;
	}
	if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
	return out;
}

export function loadCrdSchema(root: string): Json {
	const crd = yaml.load(readFileSync(join(root, CRD_FILE), 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Json } }[] } };
	const version = crd.spec.versions[0];
	if (!version) throw new Error(`${CRD_FILE} has no versions`);
	return version.schema.openAPIV3Schema;
}

function fieldOf(instancePath: string): string {
	return instancePath
		.split('/')
		.slice(1)
		.map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
		.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function causeOf(error: ErrorObject, body: unknown): FieldCause {
	const field = fieldOf(error.instancePath);
	const value = error.instancePath.split('/').slice(1).reduce<unknown>((v, k) => (v as Json | undefined)?.[k], body);
	const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? `"${Array.isArray(value) ? 'array' : 'object'}"` : String(value);
	switch (error.keyword) {
		case 'required': {
			const missing = (error.params as { missingProperty: string }).missingProperty;
			const path = field ? `${field}.${missing}` : missing;
			return { reason: 'FieldValueRequired', field: path, message: `${path}: Required value` };
		}
		case 'enum': {
			const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
			return { reason: 'FieldValueNotSupported', field, message: `${field}: Unsupported value: ${shown}: supported values: ${allowed}` };
		}
		case 'pattern':
			return { reason: 'FieldValueInvalid', field, message: `${field}: Invalid value: ${shown}: ${field} in body should match '${(error.params as { pattern: string }).pattern}'` };
		default:
			return { reason: 'FieldValueInvalid', field, message: `${field}: Invalid value: ${shown}: ${field} in body ${error.message ?? 'is invalid'}` };
	}
}

export class CrdValidator {
	readonly #validate: ValidateFunction;

	constructor(root: string) {
		const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, removeAdditional: true });
		addFormats(ajv);
		this.#validate = ajv.compile(closeObjects(loadCrdSchema(root)));
	}

	/** Prunes and defaults `body` in place (as the API server does) and returns the violations. */
	check(body: Json): FieldCause[] {
		if (this.#validate(body)) {
			return checkCrossFieldRules(body.spec as IPsecTunnelSpec).map((v) => ({
				reason: 'FieldValueInvalid' as const,
				field: v.field,
				message: `${v.field}: Invalid value: "object": ${v.message}`,
			}));
		}
		return (this.#validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => causeOf(e, body));
	}
}
