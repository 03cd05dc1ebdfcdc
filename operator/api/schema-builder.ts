// A typed builder for OpenAPI v3 (structural) schemas. `SchemaFor<T>` maps a TypeScript type
// to the only schema shapes that can describe it: an object schema must name exactly the
// keys of T (every key, no extra ones — excess-property checks reject the rest), a required
// key must carry `$required: true` and an optional key must not, a string-literal union must
// list its values as an enum. So the CRD schema in schema.ts cannot drift from
// IPsecTunnelSpec without `tsc` failing. `toOpenApi` turns the builder form into plain
// OpenAPI (collecting `$required` into the parent's `required` list).

/** A CEL rule as Kubernetes takes it (`x-kubernetes-validations`). */
export interface CelRule {
	rule: string;
	message: string;
	fieldPath?: string;
	reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

interface Common {
	description?: string;
	'x-kubernetes-validations'?: readonly CelRule[];
}

type RequiredFlag<Req extends boolean> = Req extends true ? { $required: true } : { $required?: false };

export interface StringSchema<T extends string> extends Common {
	type: 'string';
	pattern?: string;
	format?: 'date-time' | 'ipv4' | 'ipv6';
	minLength?: number;
	maxLength?: number;
	default?: T;
}
type StringFor<T extends string> = StringSchema<T> & (string extends T ? { enum?: never } : { enum: readonly T[] });

export interface NumberSchema<T extends number> extends Common {
	type: 'integer' | 'number';
	format?: 'int32' | 'int64';
	minimum?: number;
	maximum?: number;
	default?: T;
	enum?: readonly T[];
}

export interface BooleanSchema extends Common {
	type: 'boolean';
	default?: boolean;
}

export interface ArraySchema<E> extends Common {
	type: 'array';
	items: SchemaFor<E>;
	minItems?: number;
	maxItems?: number;
	'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
	'x-kubernetes-list-map-keys'?: readonly (keyof E & string)[];
}

export interface MapSchema<V> extends Common {
	type: 'object';
	additionalProperties: SchemaFor<V>;
	maxProperties?: number;
}

type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

export type PropertiesFor<T> = {
	[K in keyof T]-?: SchemaFor<NonNullable<T[K]>> & RequiredFlag<K extends RequiredKeys<T> ? true : false>;
};

export interface ObjectSchema<T> extends Common {
	type: 'object';
	properties: PropertiesFor<T>;
}

export type SchemaFor<T> = [T] extends [string]
	? StringFor<T>
	: [T] extends [number]
		? NumberSchema<T>
		: [T] extends [boolean]
			? BooleanSchema
			: T extends readonly (infer E)[]
				? ArraySchema<E>
				: string extends keyof T
					? MapSchema<T[string & keyof T]>
					: ObjectSchema<T>;

/** Plain OpenAPI v3 as the CRD carries it. */
export type OpenApi = { [key: string]: unknown };

/** Builder form → plain OpenAPI: `$required` flags become the parent's `required` list. */
export function toOpenApi(schema: unknown): OpenApi {
	const input = schema as Record<string, unknown>;
	const out: OpenApi = {};
	for (const [key, value] of Object.entries(input)) {
		if (key === '$required') continue;
		if (key === 'properties') {
			const properties: OpenApi = {};
			const required: string[] = [];
			for (const [name, sub] of Object.entries(value as Record<string, unknown>)) {
				if ((sub as { $required?: boolean }).$required === true) required.push(name);
				properties[name] = toOpenApi(sub);
			}
			out.properties = properties;
			if (required.length > 0) out.required = required;
		} else if (key === 'items' || key === 'additionalProperties') {
			out[key] = toOpenApi(value);
		} else {
			out[key] = value;
		}
	}
	return out;
}
