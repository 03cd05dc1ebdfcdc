// An in-memory ForwardingControl that behaves like the dataplane's tables: put replaces the
// entry with the same key, del of a missing entry is a no-op, replaceRoutes swaps the table,
// invalid input throws (as the binding's DataplaneError would).
import { isIP } from 'node:net';
import type { ForwardingControl, NeighborEntry, RouteEntry } from '../../operator/dataplane/control.js';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class FakeForwarding implements ForwardingControl {
	readonly neighbors = new Map<string, NeighborEntry>();
	routes: RouteEntry[] = [];
	readonly calls = { put: 0, del: 0, replace: 0 };

	putNeighbor(n: NeighborEntry): void {
		if (isIP(n.ip) === 0) throw new Error(`invalid neighbour ip ${n.ip}`);
		if (n.mac !== undefined && !MAC.test(n.mac)) throw new Error(`invalid neighbour mac ${n.mac}`);
		if (n.port === '') throw new Error('neighbour without a port');
		this.calls.put++;
		this.neighbors.set(`${n.port}|${n.ip}`, { ...n });
	}

	delNeighbor(n: Pick<NeighborEntry, 'ip' | 'port'>): void {
		this.calls.del++;
		this.neighbors.delete(`${n.port}|${n.ip}`);
	}

	listNeighbors(): NeighborEntry[] {
		return [...this.neighbors.values()].map((n) => ({ ...n }));
	}

	replaceRoutes(routes: RouteEntry[]): void {
		for (const r of routes) {
			const [addr, len] = r.dst.split('/');
			if (addr === undefined || isIP(addr) === 0 || len === undefined || !/^\d+$/.test(len)) throw new Error(`invalid route dst ${r.dst}`);
			if (r.via !== undefined && isIP(r.via) === 0) throw new Error(`invalid route via ${r.via}`);
		}
		this.calls.replace++;
		this.routes = routes.map((r) => ({ ...r }));
	}

	listRoutes(): RouteEntry[] {
		return this.routes.map((r) => ({ ...r }));
	}

	/** the neighbours of one port, sorted, for comparison */
	neighborsOf(port: string): NeighborEntry[] {
		return this.listNeighbors().filter((n) => n.port === port).sort(byIp);
	}

	routesOf(port: string): RouteEntry[] {
		return this.listRoutes().filter((r) => r.port === port).sort(byDst);
	}
}

export const byIp = (a: { ip: string }, b: { ip: string }): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
export const byDst = (a: { dst: string }, b: { dst: string }): number => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0);
