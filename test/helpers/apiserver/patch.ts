// The two patch formats the API-server test double understands: RFC 7386 merge patch (also
// used for strategic merge patch, which on our types behaves the same except for lists) and
// RFC 6902 JSON patch, including `test`, which clients use for conflict-safe edits.
type Json = unknown;

export class PatchError extends Error {
	constructor(message: string, readonly code: 409 | 422 | 400 = 422) {
		super(message);
	}
}

export function mergePatch(target: Json, patch: Json): Json {
	if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
	const base: Record<string, Json> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, Json>) } : {};
	for (const [key, value] of Object.entries(patch as Record<string, Json>)) {
		if (value === null) delete base[key];
		else base[key] = mergePatch(base[key], value);
	}
	return base;
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

function parent(doc: Json, path: string): { container: Record<string, Json> | Json[]; key: string } {
	const parts = path.split('/').slice(1).map(unescape);
	const key = parts.pop();
	if (key === undefined) throw new PatchError(`json patch: path '${path}' is the root`);
	let node: Json = doc;
	for (const p of parts) {
		node = (node as Record<string, Json> | undefined)?.[p];
		if (node === null || typeof node !== 'object') throw new PatchError(`json patch: path '${path}' does not exist`);
	}
	return { container: node as Record<string, Json> | Json[], key };
}

export interface JsonPatchOp {
	op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
	path: string;
	value?: Json;
	from?: string;
}

export function jsonPatch(doc: Json, ops: JsonPatchOp[]): Json {
	const out = structuredClone(doc);
	for (const op of ops) {
		const { container, key } = parent(out, op.path);
		const isArray = Array.isArray(container);
		const index = isArray ? (key === '-' ? container.length : Number(key)) : -1;
		const current = isArray ? container[index] : (container as Record<string, Json>)[key];
		switch (op.op) {
			case 'test':
				if (JSON.stringify(current) !== JSON.stringify(op.value)) throw new PatchError(`json patch: test failed at '${op.path}'`, 422);
				break;
			case 'add':
				if (isArray) container.splice(index, 0, op.value);
				else (container as Record<string, Json>)[key] = op.value;
				break;
			case 'replace':
			case 'remove':
				if (current === undefined) throw new PatchError(`json patch: path '${op.path}' does not exist`);
				if (op.op === 'remove') {
					if (isArray) container.splice(index, 1);
					else delete (container as Record<string, Json>)[key];
				} else if (isArray) container[index] = op.value;
				else (container as Record<string, Json>)[key] = op.value;
				break;
			default:
				throw new PatchError(`json patch: op '${op.op}' not supported by the test double`, 400);
		}
	}
	return out;
}
