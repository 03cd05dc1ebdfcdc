// Per-node addresses and routes of the dataplane's ports. Under Kubernetes one ConfigMap
// holds the ports file for the whole DaemonSet, but a node's wan address and gateway are its
// own: they come from annotations on the agent's Node, one per port and kind, merged over the
// file's values for that port:
//
//   esplane.io/dp-addresses.<port>: "192.0.2.10/24,2001:db8::10/64"
//       replaces the port's `addresses` (host bits kept, at most 4; "" = none)
//   esplane.io/dp-routes.<port>:    "0.0.0.0/0 via 192.0.2.1,198.51.100.0/24"
//       replaces the file's `routes` on that port (each "DST" or "DST via GATEWAY")
//
// Values go through the ports file's own checks (ports-config.ts). A bad annotation is a
// problem naming the annotation and the node; that port and kind keep what they had (the
// previous merge, or the file at the first one), so a typo never removes working addresses.
import type { DpPort, DpRoute } from '../dataplane/types.js';
import { checkPortAddresses, checkRoute, type PortsConfig } from './ports-config.js';

export const NODE_ADDRESSES_ANNOTATION = 'esplane.io/dp-addresses.';
export const NODE_ROUTES_ANNOTATION = 'esplane.io/dp-routes.';
const OURS = 'esplane.io/dp-';

export interface NodePorts {
	/** the file with the node's annotations merged over it */
	config: PortsConfig;
	/** one message per annotation refused, naming it and the node */
	problems: string[];
	/** the annotations in effect */
	applied: string[];
}

/** {annotation value} => its entries: separated by commas, semicolons or newlines */
const entries = (value: string): string[] => value.split(/[,;\n]/).map(e => e.trim()).filter(Boolean);

/** {"DST" | "DST via GW", port, field} => the route, checked as a file route is */
function routeOf(text: string, port: string, ports: ReadonlySet<string>, field: string): DpRoute {
	const words = text.split(/\s+/);
	if (!(words.length === 1 || (words.length === 3 && words[1] === 'via'))) {
		throw new Error(`${field}: "${text}" is neither "DST" nor "DST via GATEWAY"`);
	}
	return checkRoute({ dst: words[0]!, port, ...(words[2] ? { via: words[2] } : {}) }, ports, field);
}

/**
 * {ports file, the Node's annotations, node name, the previous merge} => the ports config
 * this node runs. Annotations outside esplane.io/dp-* are ignored; inside it, one naming an
 * unknown kind or a port the file does not have is a problem (the file says which VF a port is).
 */
export function nodePortsConfig(file: PortsConfig, annotations: Readonly<Record<string, string>> | undefined, node: string, previous?: PortsConfig): NodePorts {
	const names = new Set(file.ports.map(p => p.name));
	const problems: string[] = [];
	const applied: string[] = [];
	const addresses = new Map<string, string[]>();
	const routes = new Map<string, DpRoute[]>();
	const refusedKeys = new Set<string>();
	const refuse = (key: string, message: string) => {
		refusedKeys.add(key);
		problems.push(`node ${node}, annotation ${key}: ${message}`);
	};
	for (const [key, value] of Object.entries(annotations ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
		if (!key.startsWith(OURS)) continue;
		const kind = key.startsWith(NODE_ADDRESSES_ANNOTATION) ? 'addresses' : key.startsWith(NODE_ROUTES_ANNOTATION) ? 'routes' : undefined;
		const port = kind === 'addresses' ? key.slice(NODE_ADDRESSES_ANNOTATION.length) : key.slice(NODE_ROUTES_ANNOTATION.length);
		if (!kind) {
			refuse(key, `unknown; the known ones are ${NODE_ADDRESSES_ANNOTATION}<port> and ${NODE_ROUTES_ANNOTATION}<port>`);
			continue;
		}
		if (!names.has(port)) {
			refuse(key, `the ports file has no port "${port}" (it has ${[...names].join(', ')})`);
			continue;
		}
		try {
			if (kind === 'addresses') addresses.set(port, [...checkPortAddresses(entries(value), 'address')]);
			else routes.set(port, entries(value).map((r, i, all) => routeOf(r, port, names, all.length > 1 ? `route ${i + 1}` : 'route')));
			applied.push(key);
		} catch (e) {
			refuse(key, (e as Error).message);
		}
	}
	// a port and kind whose annotation was refused keeps what it had
	const refused = (prefix: string, port: string) => refusedKeys.has(`${prefix}${port}`);
	const before = previous ?? file;
	const ports: DpPort[] = file.ports.map(p => {
		const own = addresses.get(p.name) ?? (refused(NODE_ADDRESSES_ANNOTATION, p.name) ? before.ports.find(q => q.name === p.name)?.addresses : p.addresses);
		const { addresses: _fileAddresses, ...rest } = p;
		return { ...rest, ...(own !== undefined ? { addresses: [...own] } : {}) };
	});
	const routesOf = (port: string): DpRoute[] => routes.get(port)
		?? (refused(NODE_ROUTES_ANNOTATION, port) ? before.routes : file.routes).filter(r => r.port === port);
	return {
		config: { ports, routes: file.ports.flatMap(p => routesOf(p.name)), neighbors: file.neighbors },
		problems,
		applied,
	};
}
