// The schema builder is what keeps crds/ and IPsecTunnelSpec in step. This file proves, at
// compile time (`tsc --noEmit` runs over test/ in `npm test`), that the builder rejects each
// way a schema can drift — each `@ts-expect-error` fails the type-check if the error it
// expects goes away — and, at run time, that every spec key is in the generated schema.
import test from 'ava';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { ipsecTunnelSpecSchema } from '../../operator/api/schema.js';
import type { ObjectSchema, SchemaFor } from '../../operator/api/schema-builder.js';

interface Sample {
	name: string;
	count?: number;
	mode?: 'a' | 'b';
	labels?: Record<string, string>;
}

const good: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		name: { type: 'string', $required: true },
		count: { type: 'integer' },
		mode: { type: 'string', enum: ['a', 'b'] },
		labels: { type: 'object', additionalProperties: { type: 'string' } },
	},
};

// @ts-expect-error a key of the type is missing from the schema
const missingKey: ObjectSchema<Sample> = { type: 'object', properties: { name: { type: 'string', $required: true }, count: { type: 'integer' }, mode: { type: 'string', enum: ['a'] } } };

const extraKey: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		...good.properties,
		// @ts-expect-error the schema has a key the type does not
		colour: { type: 'string' },
	},
};

const notRequired: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		...good.properties,
		// @ts-expect-error a required key must say $required: true
		name: { type: 'string' },
	},
};

const wronglyRequired: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		...good.properties,
		// @ts-expect-error an optional key must not be required
		count: { type: 'integer', $required: true },
	},
};

const wrongEnum: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		...good.properties,
		// @ts-expect-error enum values must be members of the union
		mode: { type: 'string', enum: ['a', 'c'] },
	},
};

const wrongType: ObjectSchema<Sample> = {
	type: 'object',
	properties: {
		...good.properties,
		// @ts-expect-error a number field cannot get a string schema
		count: { type: 'string' },
	},
};

// The real schema is typed against the real spec (this line fails to compile if it is not).
type SpecSchemaIsTyped = SchemaFor<IPsecTunnelSpec>;

test('every key of IPsecTunnelSpec appears in the generated OpenAPI schema, required ones as required', (t) => {
	const properties = ipsecTunnelSpecSchema.properties as Record<string, unknown>;
	const keys: (keyof IPsecTunnelSpec)[] = ['local', 'remote', 'spokes', 'auth', 'ike', 'esp', 'dpd', 'natTraversal', 'startAction', 'mtu', 'mssClamp', 'gateway', 'remoteAccess', 'dataplane'];
	t.deepEqual(Object.keys(properties).sort(), [...keys].sort());
	t.deepEqual(ipsecTunnelSpecSchema.required, ['local', 'remote', 'auth']);
	t.false(JSON.stringify(ipsecTunnelSpecSchema).includes('$required'));
	t.truthy([missingKey, extraKey, notRequired, wronglyRequired, wrongEnum, wrongType, good].length);
	const typed: SpecSchemaIsTyped | undefined = undefined;
	t.is(typed, undefined);
});
