// The API-server test double: a small real HTTP server that @kubernetes/client-node talks to
// unchanged (a KubeConfig pointed at http://127.0.0.1:<port>; cluster.ts makes one — this file
// does not load client-node, whose 2,000 modules take half a minute to load in a UML guest,
// where the end-to-end test serves a real agent and operator from it). It enforces the parts of the
// Kubernetes API contract the operator and agent rely on, and nothing else:
//   - one cluster-wide resourceVersion counter; a write carrying a stale resourceVersion
//     (PUT body, or a patch that sets metadata.resourceVersion) gets 409 Conflict; a write that
//     changes nothing keeps the old resourceVersion and sends no watch event;
//   - list returns the collection's resourceVersion; watch replays history after a given
//     resourceVersion, sends BOOKMARKs when asked (allowWatchBookmarks), honours
//     timeoutSeconds, and answers 410 Gone (an ERROR event, as the real server does) once the
//     history it would need was compacted away — compact() forces that;
//   - the status subresource: spec/metadata changes through /status are ignored, status
//     changes through the main resource are ignored; generation bumps on spec change;
//   - finalizers and deletionTimestamp: DELETE of an object with finalizers only marks it,
//     and it goes when the last finalizer is removed;
//   - IPsecTunnels are pruned, defaulted and validated against crds/ (+ the CEL rules' twins):
//     422 Invalid with a Status body whose causes name the fields;
//   - `kubectl get` works: discovery, and IPsecTunnels as a Table from the CRD's printer columns.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { repoRoot } from '../../../operator/api/generate-crd.js';
import { CrdValidator } from './crd-validation.js';
import type { FieldCause } from './crd-validation.js';
import { jsonPatch, mergePatch, PatchError } from './patch.js';
import type { JsonPatchOp } from './patch.js';
import { apiVersionOf, findResource, RESOURCES } from './resources.js';
import { printerColumns, toTable, wantsTable } from './table.js';
import type { PrinterColumn } from './table.js';
import type { ResourceType } from './resources.js';

type Json = Record<string, any>;

interface LogEntry {
	rv: number;
	type: 'ADDED' | 'MODIFIED' | 'DELETED';
	resource: ResourceType;
	object: Json;
	previous?: Json;
}

interface WatchStream {
	resource: ResourceType;
	namespace?: string;
	matches: (o: Json) => boolean;
	res: ServerResponse;
	close: () => void;
}

class HttpError extends Error {
	constructor(
		readonly code: number,
		readonly reason: string,
		message: string,
		readonly details?: Json,
	) {
		super(message);
	}
}

export interface ApiServerDoubleOptions {
	/** How often an open watch with allowWatchBookmarks=true gets a BOOKMARK. Default 1000 ms. */
	bookmarkIntervalMs?: number;
	/** Answer every request after this many ms (a slow API server). Default 0. */
	latencyMs?: number;
	/** Address to listen on. Default 127.0.0.1; the end-to-end guest serves the agent in another netns. */
	host?: string;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function qualified(r: ResourceType): string {
	return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** Equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function labelSelectorMatches(selector: string | null, labels: Record<string, string> | undefined): boolean {
	if (!selector) return true;
	return selector.split(',').every((term) => {
		const t = term.trim();
		if (!t) return true;
		const ne = t.indexOf('!=');
		if (ne > 0) return labels?.[t.slice(0, ne)] !== t.slice(ne + 2);
		const eq = t.indexOf('=');
		if (eq > 0) return labels?.[t.slice(0, eq)] === t.slice(t[eq + 1] === '=' ? eq + 2 : eq + 1);
		if (t.startsWith('!')) return labels?.[t.slice(1)] === undefined;
		return labels?.[t] !== undefined;
	});
}

function fieldSelectorMatches(selector: string | null, o: Json): boolean {
	if (!selector) return true;
	return selector.split(',').every((term) => {
		const [path, value] = term.split(/==?/);
		const actual = (path ?? '').split('.').reduce<any>((v, k) => v?.[k], o);
		return String(actual ?? '') === value;
	});
}

export class ApiServerDouble {
	#server: Server | undefined;
	#rv = 1;
	#compactedRv = 0;
	readonly #objects = new Map<string, Json>();
	#log: LogEntry[] = [];
	readonly #watches = new Set<WatchStream>();
	readonly #validator = new CrdValidator(repoRoot);
	readonly #columns: PrinterColumn[] = printerColumns(repoRoot);
	readonly #options: Required<ApiServerDoubleOptions>;
	/** Successful writes per `plural/namespace/name[/status]`: tests count the agent's patches. */
	readonly writes = new Map<string, number>();
	/** Every answered request as `METHOD path -> code`. */
	readonly requests: string[] = [];
	url = '';

	constructor(options: ApiServerDoubleOptions = {}) {
		this.#options = { bookmarkIntervalMs: 1000, latencyMs: 0, host: '127.0.0.1', ...options };
	}

	async start(): Promise<string> {
		this.#server = createServer((req, res) => {
			void this.#handle(req, res);
		});
		this.#server.keepAliveTimeout = 60_000;
		await new Promise<void>((resolve) => this.#server?.listen(0, this.#options.host, resolve));
		this.url = `http://${this.#options.host}:${(this.#server.address() as AddressInfo).port}`;
		return this.url;
	}

	async stop(): Promise<void> {
		for (const w of this.#watches) w.close();
		this.#server?.closeAllConnections();
		await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
	}

	/** A kubeconfig file naming this server, for kubectl and processes that read $KUBECONFIG. */
	kubeconfigYaml(): string {
		// client-node refuses plain http unless TLS verification is off (there is no TLS here).
		return `apiVersion: v1\nkind: Config\nclusters: [{name: double, cluster: {server: "${this.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: test, user: {}}]\ncontexts: [{name: double, context: {cluster: double, user: test, namespace: default}}]\ncurrent-context: double\n`;
	}

	/** Forget all watch history (as etcd compaction does): every open watch gets 410 Gone and closes. */
	compact(): void {
		this.#compactedRv = this.#rv;
		this.#log = [];
		for (const w of [...this.#watches]) {
			this.#send(w.res, { type: 'ERROR', object: this.#status(new HttpError(410, 'Expired', 'too old resource version')) });
			w.close();
		}
	}

	/** Close every open watch cleanly (as an API server restart or a load balancer does). */
	dropWatches(): void {
		for (const w of [...this.#watches]) w.close();
	}

	get openWatches(): number {
		return this.#watches.size;
	}

	/** A copy of a stored object, for assertions. */
	object(plural: string, namespace: string | undefined, name: string): Json | undefined {
		const r = RESOURCES.find((x) => x.plural === plural);
		if (!r) throw new Error(`unknown resource ${plural}`);
		const o = this.#objects.get(this.#key(r, namespace, name));
		return o && structuredClone(o);
	}

	#key(r: ResourceType, namespace: string | undefined, name: string): string {
		return `${qualified(r)}/${r.namespaced ? namespace : ''}/${name}`;
	}

	async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://double');
		let body = '';
		for await (const chunk of req) body += chunk;
		if (this.#options.latencyMs > 0) await new Promise((r) => setTimeout(r, this.#options.latencyMs));
		try {
			const answer = this.#route(req, res, url, body);
			if (answer === undefined) return; // a watch owns the response now
			this.#reply(res, answer.code, answer.body);
			this.requests.push(`${req.method} ${url.pathname} -> ${answer.code}`);
		} catch (err) {
			const e = err instanceof HttpError ? err : err instanceof PatchError ? new HttpError(err.code, err.code === 409 ? 'Conflict' : 'Invalid', err.message) : new HttpError(500, 'InternalError', String(err));
			this.#reply(res, e.code, this.#status(e));
			this.requests.push(`${req.method} ${url.pathname} -> ${e.code}`);
		}
	}

	#reply(res: ServerResponse, code: number, body: unknown): void {
		const text = JSON.stringify(body);
		res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
		res.end(text);
	}

	#status(e: HttpError): Json {
		return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, ...(e.details ? { details: e.details } : {}), code: e.code };
	}

	#route(req: IncomingMessage, res: ServerResponse, url: URL, body: string): { code: number; body: unknown } | undefined {
		const parts = url.pathname.split('/').filter(Boolean);
		// Discovery.
		if (url.pathname === '/api') return { code: 200, body: { kind: 'APIVersions', versions: ['v1'] } };
		if (url.pathname === '/apis') return { code: 200, body: this.#groups() };
		let group = '';
		let rest: string[];
		if (parts[0] === 'api') {
			rest = parts.slice(1);
		} else if (parts[0] === 'apis' && parts[1]) {
			group = parts[1];
			rest = parts.slice(2);
		} else throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
		const version = rest[0] ?? '';
		if (rest.length === 1) return { code: 200, body: this.#resourceList(group, version) };
		let namespace: string | undefined;
		let tail = rest.slice(1);
		if (tail[0] === 'namespaces' && tail.length >= 3) {
			namespace = tail[1];
			tail = tail.slice(2);
		}
		const [plural = '', name, subresource] = tail;
		const r = findResource(group, version, plural);
		if (!r) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
		if (subresource !== undefined && (subresource !== 'status' || !r.statusSubresource)) throw new HttpError(404, 'NotFound', `no subresource ${subresource}`);
		if (!r.namespaced) namespace = undefined;
		const method = req.method ?? 'GET';
		if (name === undefined) {
			if (method === 'GET') {
				const watch = url.searchParams.get('watch');
				if (watch === 'true' || watch === '1') {
					this.#watch(r, namespace, url, res);
					return undefined;
				}
				const list = this.#list(r, namespace, url);
				if (r.plural === 'ipsectunnels' && wantsTable(req.headers.accept)) return { code: 200, body: toTable(this.#columns, list.items, list.metadata.resourceVersion) };
				return { code: 200, body: list };
			}
			if (method === 'POST') {
				if (r.namespaced && !namespace) throw new HttpError(405, 'MethodNotAllowed', 'create needs a namespace');
				return { code: 201, body: this.#create(r, namespace, parse(body)) };
			}
			throw new HttpError(405, 'MethodNotAllowed', `${method} not allowed on a collection`);
		}
		const sub = subresource === 'status' ? 'status' : undefined;
		switch (method) {
			case 'GET': {
				const o = this.#get(r, namespace, name);
				if (r.plural === 'ipsectunnels' && !sub && wantsTable(req.headers.accept)) return { code: 200, body: toTable(this.#columns, [o], o.metadata.resourceVersion) };
				return { code: 200, body: o };
			}
			case 'PUT':
				return { code: 200, body: this.#count(r, namespace, name, sub, this.#update(r, namespace, name, parse(body), sub)) };
			case 'PATCH':
				return { code: 200, body: this.#count(r, namespace, name, sub, this.#patch(r, namespace, name, req.headers['content-type'] ?? '', parse(body), sub)) };
			case 'DELETE':
				return { code: 200, body: this.#delete(r, namespace, name) };
			default:
				throw new HttpError(405, 'MethodNotAllowed', `${method} not allowed`);
		}
	}

	#count(r: ResourceType, namespace: string | undefined, name: string, sub: string | undefined, answer: Json): Json {
		const key = `${r.plural}/${namespace ?? ''}/${name}${sub ? `/${sub}` : ''}`;
		this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
		return answer;
	}

	#groups(): Json {
		const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
		return {
			kind: 'APIGroupList',
			apiVersion: 'v1',
			groups: groups.map((g) => {
				const v = RESOURCES.find((r) => r.group === g)?.version ?? 'v1';
				return { name: g, versions: [{ groupVersion: `${g}/${v}`, version: v }], preferredVersion: { groupVersion: `${g}/${v}`, version: v } };
			}),
		};
	}

	#resourceList(group: string, version: string): Json {
		const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
		if (rs.length === 0) throw new HttpError(404, 'NotFound', `no API ${group}/${version}`);
		const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
		return {
			kind: 'APIResourceList',
			apiVersion: 'v1',
			groupVersion: group ? `${group}/${version}` : version,
			resources: rs.flatMap((r) => [
				{ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs, ...(r.shortNames ? { shortNames: r.shortNames } : {}) },
				...(r.statusSubresource ? [{ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
			]),
		};
	}

	#get(r: ResourceType, namespace: string | undefined, name: string): Json {
		const o = this.#objects.get(this.#key(r, namespace, name));
		if (!o) throw this.#notFound(r, name);
		return o;
	}

	#notFound(r: ResourceType, name: string): HttpError {
		return new HttpError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });
	}

	#selected(r: ResourceType, namespace: string | undefined, url: URL): (o: Json) => boolean {
		const labels = url.searchParams.get('labelSelector');
		const fields = url.searchParams.get('fieldSelector');
		const prefix = `${qualified(r)}/${namespace ?? ''}`;
		return (o) => {
			const inScope = !r.namespaced || namespace === undefined || o.metadata.namespace === namespace;
			return inScope && this.#key(r, o.metadata.namespace, o.metadata.name).startsWith(prefix) && labelSelectorMatches(labels, o.metadata.labels) && fieldSelectorMatches(fields, o);
		};
	}

	#list(r: ResourceType, namespace: string | undefined, url: URL): Json {
		const matches = this.#selected(r, namespace, url);
		const prefix = `${qualified(r)}/`;
		const items = [...this.#objects.entries()].filter(([k, o]) => k.startsWith(prefix) && matches(o)).map(([, o]) => o);
		return { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(this.#rv) }, items };
	}

	#send(res: ServerResponse, event: Json): void {
		res.write(`${JSON.stringify(event)}\n`);
	}

	#watch(r: ResourceType, namespace: string | undefined, url: URL, res: ServerResponse): void {
		const matches = this.#selected(r, namespace, url);
		res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
		const from = url.searchParams.get('resourceVersion');
		const timers: NodeJS.Timeout[] = [];
		const stream: WatchStream = {
			resource: r,
			...(namespace ? { namespace } : {}),
			matches,
			res,
			close: () => {
				for (const t of timers) clearTimeout(t);
				this.#watches.delete(stream);
				res.end();
			},
		};
		if (from && from !== '0' && Number(from) < this.#compactedRv) {
			this.#send(res, { type: 'ERROR', object: this.#status(new HttpError(410, 'Expired', `too old resource version: ${from} (${this.#compactedRv})`)) });
			res.end();
			return;
		}
		if (!from || from === '0') {
			const prefix = `${qualified(r)}/`;
			for (const [k, o] of this.#objects) if (k.startsWith(prefix) && matches(o)) this.#send(res, { type: 'ADDED', object: o });
		} else {
			for (const entry of this.#log) if (entry.rv > Number(from)) this.#deliver(stream, entry);
		}
		this.#watches.add(stream);
		res.on('close', () => stream.close());
		const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
		if (timeout > 0) timers.push(setTimeout(() => stream.close(), timeout * 1000));
		if (url.searchParams.get('allowWatchBookmarks') === 'true') {
			const tick = (): void => {
				this.#send(res, { type: 'BOOKMARK', object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(this.#rv) } } });
				timers.push(setTimeout(tick, this.#options.bookmarkIntervalMs));
			};
			timers.push(setTimeout(tick, this.#options.bookmarkIntervalMs));
		}
	}

	/** One history entry to one watch, turning label-selector moves into ADDED/DELETED as the real server does. */
	#deliver(w: WatchStream, e: LogEntry): void {
		if (e.resource !== w.resource) return;
		const now = w.matches(e.object);
		const before = e.previous ? w.matches(e.previous) : false;
		if (e.type === 'MODIFIED') {
			if (now && before) this.#send(w.res, { type: 'MODIFIED', object: e.object });
			else if (now) this.#send(w.res, { type: 'ADDED', object: e.object });
			else if (before) this.#send(w.res, { type: 'DELETED', object: e.object });
		} else if (now) this.#send(w.res, { type: e.type, object: e.object });
	}

	#commit(type: LogEntry['type'], r: ResourceType, object: Json, previous?: Json): Json {
		this.#rv += 1;
		object.metadata.resourceVersion = String(this.#rv);
		const key = this.#key(r, object.metadata.namespace, object.metadata.name);
		if (type === 'DELETED') this.#objects.delete(key);
		else this.#objects.set(key, object);
		const entry: LogEntry = { rv: this.#rv, type, resource: r, object, ...(previous ? { previous } : {}) };
		this.#log.push(entry);
		for (const w of this.#watches) this.#deliver(w, entry);
		return object;
	}

	#validate(r: ResourceType, o: Json): void {
		if (r.plural === 'secrets' && o.stringData) {
			// As the real API server: stringData is write-only, merged into data as base64.
			o.data = { ...(o.data ?? {}), ...Object.fromEntries(Object.entries(o.stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
			delete o.stringData;
		}
		if (!DNS_SUBDOMAIN.test(o.metadata?.name ?? '') || (o.metadata.name as string).length > 253) {
			throw this.#invalid(r, o.metadata?.name ?? '', [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `metadata.name: Invalid value: ${JSON.stringify(o.metadata?.name ?? '')}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` }]);
		}
		if (r.plural !== 'ipsectunnels') return;
		const causes = this.#validator.check(o);
		if (causes.length > 0) throw this.#invalid(r, o.metadata.name, causes);
	}

	#invalid(r: ResourceType, name: string, causes: FieldCause[]): HttpError {
		const message = `${r.kind}.${r.group || 'core'} "${name}" is invalid: ${causes.length === 1 ? causes[0]?.message : `[${causes.map((c) => c.message).join(', ')}]`}`;
		return new HttpError(422, 'Invalid', message, { name, group: r.group, kind: r.kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message.startsWith(`${c.field}: `) ? c.message.slice(c.field.length + 2) : c.message, field: c.field })) });
	}

	#create(r: ResourceType, namespace: string | undefined, body: Json): Json {
		const o = structuredClone(body);
		o.metadata ??= {};
		if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomUUID().slice(0, 5)}`;
		o.apiVersion = apiVersionOf(r);
		o.kind = r.kind;
		if (namespace) o.metadata.namespace = namespace;
		else delete o.metadata.namespace;
		if (this.#objects.has(this.#key(r, namespace, o.metadata.name ?? ''))) {
			throw new HttpError(409, 'AlreadyExists', `${qualified(r)} "${o.metadata.name}" already exists`, { name: o.metadata.name, group: r.group, kind: r.plural });
		}
		o.metadata.uid = randomUUID();
		o.metadata.creationTimestamp = now();
		delete o.metadata.deletionTimestamp;
		delete o.metadata.resourceVersion;
		if (r.generation) o.metadata.generation = 1;
		if (r.statusSubresource && r.group) delete o.status; // CRDs with a status subresource drop status on create
		this.#validate(r, o);
		const key = `${r.plural}/${namespace ?? ''}/${o.metadata.name}`;
		this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
		return this.#commit('ADDED', r, o);
	}

	/** Build the object a write would store, applying the subresource rules. */
	#merged(r: ResourceType, current: Json, incoming: Json, sub: 'status' | undefined): Json {
		let next: Json;
		if (sub === 'status') {
			next = structuredClone(current);
			if (incoming.status === undefined) delete next.status;
			else next.status = structuredClone(incoming.status);
		} else {
			next = structuredClone(incoming);
			next.apiVersion = current.apiVersion;
			next.kind = current.kind;
			if (r.statusSubresource) {
				if (current.status === undefined) delete next.status;
				else next.status = structuredClone(current.status);
			}
			next.metadata = { ...(incoming.metadata ?? {}) };
			for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
				if (current.metadata[k] === undefined) delete next.metadata[k];
				else next.metadata[k] = current.metadata[k];
			}
			if (r.generation && !isDeepStrictEqual(current.spec, next.spec)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
			if (current.metadata.deletionTimestamp) {
				const added = (next.metadata.finalizers ?? []).filter((f: string) => !(current.metadata.finalizers ?? []).includes(f));
				if (added.length > 0) throw new HttpError(422, 'Forbidden', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
			}
		}
		next.metadata.resourceVersion = current.metadata.resourceVersion;
		return next;
	}

	#write(r: ResourceType, current: Json, next: Json): Json {
		this.#validate(r, next);
		if (isDeepStrictEqual(current, next)) return current; // a no-op write changes nothing, not even the resourceVersion
		if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) return this.#commit('DELETED', r, next, current);
		return this.#commit('MODIFIED', r, next, current);
	}

	#conflict(r: ResourceType, name: string): HttpError {
		return new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: r.group, kind: r.plural });
	}

	#update(r: ResourceType, namespace: string | undefined, name: string, body: Json, sub: 'status' | undefined): Json {
		const current = this.#get(r, namespace, name);
		const rv = body.metadata?.resourceVersion;
		if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw this.#conflict(r, name);
		return this.#write(r, current, this.#merged(r, current, body, sub));
	}

	#patch(r: ResourceType, namespace: string | undefined, name: string, contentType: string, patch: unknown, sub: 'status' | undefined): Json {
		const current = this.#get(r, namespace, name);
		let patched: Json;
		if (contentType.startsWith('application/json-patch+json')) patched = jsonPatch(current, patch as JsonPatchOp[]) as Json;
		else if (contentType.startsWith('application/merge-patch+json') || contentType.startsWith('application/strategic-merge-patch+json')) patched = mergePatch(current, patch) as Json;
		else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType}`);
		const rv = patched.metadata?.resourceVersion;
		if (rv !== undefined && rv !== current.metadata.resourceVersion) throw this.#conflict(r, name);
		return this.#write(r, current, this.#merged(r, current, patched, sub));
	}

	#delete(r: ResourceType, namespace: string | undefined, name: string): Json {
		const current = this.#get(r, namespace, name);
		if ((current.metadata.finalizers ?? []).length > 0) {
			if (current.metadata.deletionTimestamp) return current;
			const next = structuredClone(current);
			next.metadata.deletionTimestamp = now();
			next.metadata.deletionGracePeriodSeconds = 0;
			return this.#commit('MODIFIED', r, next, current);
		}
		this.#commit('DELETED', r, structuredClone(current), current);
		return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.plural, uid: current.metadata.uid } };
	}
}

function parse(body: string): Json {
	try {
		return body ? (JSON.parse(body) as Json) : {};
	} catch (err) {
		throw new HttpError(400, 'BadRequest', `the body is not JSON: ${String(err)}`);
	}
}
