// The dpdk agent's ports file (ESPLANE_DP_PORTS / --dp-ports): ports, static routes and
// neighbours in the manual-keying shape, without SAs and policies. Its addresses and routes
// are checked here, before anything starts, with the same checks the node annotations of
// node-ports.ts get, so a value means the same thing in either place.
import { toAddr } from '../dataplane/convert.js';
import type { DpConfig, DpRoute } from '../dataplane/types.js';

export class DpdkConfigError extends Error {
	override readonly name = 'DpdkConfigError';
}

export const isDpdkConfigError = (e: unknown): e is DpdkConfigError => e instanceof DpdkConfigError;

export type PortsConfig = Required<Pick<DpConfig, 'ports' | 'routes' | 'neighbors'>>;

/** the dataplane keeps this many addresses per port (esp_dp_port.addr) */
export const MAX_PORT_ADDRESSES = 4;

/** {C-side check} => the same, throwing DpdkConfigError with the message */
function asConfigError<T>(f: () => T): T {
	try {
		return f();
	} catch (e) {
		throw new DpdkConfigError((e as Error).message);
	}
}

/** {a port's addresses, field} => unchanged, or DpdkConfigError naming the field: each an
 * address with an optional prefix length (host bits kept: "192.0.2.10/24"), at most four */
export function checkPortAddresses(addresses: readonly string[], field: string): readonly string[] {
	if (addresses.length > MAX_PORT_ADDRESSES) throw new DpdkConfigError(`${field}: at most ${MAX_PORT_ADDRESSES} addresses, not ${addresses.length}`);
	addresses.forEach((a, i) => asConfigError(() => toAddr(a, addresses.length > 1 ? `${field}[${i}]` : field, true)));
	return addresses;
}

/** {route, known port names, field} => unchanged, or DpdkConfigError naming the field */
export function checkRoute(r: DpRoute, portNames: ReadonlySet<string>, field: string): DpRoute {
	if (typeof r !== 'object' || r === null || typeof r.dst !== 'string') throw new DpdkConfigError(`${field}.dst: a prefix is required`);
	const dst = asConfigError(() => toAddr(r.dst, `${field}.dst`, true));
	if (r.via !== undefined) {
		const via = asConfigError(() => toAddr(r.via!, `${field}.via`));
		if (via.family !== dst.family) throw new DpdkConfigError(`${field}.via: ${r.via} is not of ${r.dst}'s address family`);
	}
	if (!portNames.has(r.port)) throw new DpdkConfigError(`${field}.port: no port named "${r.port}"`);
	return r;
}

/** {ports config} => unchanged, or DpdkConfigError naming the first bad address or route */
export function checkPortsConfig(c: PortsConfig): PortsConfig {
	const names = new Set(c.ports.map(p => p.name));
	c.ports.forEach((p, i) => checkPortAddresses(p.addresses ?? [], `ports[${i}].addresses`));
	c.routes.forEach((r, i) => checkRoute(r, names, `routes[${i}]`));
	return c;
}

/** {file text} => ports, routes, neighbours; anything else (sas, policies, unknown keys) refused by name. */
export function parsePortsConfig(text: string): PortsConfig {
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		throw new DpdkConfigError(`not JSON: ${(e as Error).message}`);
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DpdkConfigError('the ports config must be an object');
	for (const key of Object.keys(doc)) {
		if (key === 'sas' || key === 'policies') throw new DpdkConfigError(`${key}: under the agent SAs and policies come from the kernel (charon), not from the file`);
		if (!['ports', 'routes', 'neighbors'].includes(key)) throw new DpdkConfigError(`${key}: unknown field`);
	}
	const c = doc as DpConfig;
	if (!Array.isArray(c.ports) || c.ports.length === 0) throw new DpdkConfigError('ports: at least one port is required');
	if (c.routes !== undefined && !Array.isArray(c.routes)) throw new DpdkConfigError('routes: must be an array');
	for (const [i, p] of c.ports.entries()) {
		if (p.addresses !== undefined && (!Array.isArray(p.addresses) || p.addresses.some(a => typeof a !== 'string'))) throw new DpdkConfigError(`ports[${i}].addresses: must be an array of strings`);
	}
	return checkPortsConfig({ ports: c.ports, routes: c.routes ?? [], neighbors: c.neighbors ?? [] });
}
