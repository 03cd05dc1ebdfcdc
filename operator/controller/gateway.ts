// Which node serves a tunnel — a pure function of the nodes, the agents' heartbeats and the
// tunnel's current assignment, so failover is tested without timers or a cluster.
// A node is eligible when it matches gateway.nodeSelector, is Ready, and its agent renewed its
// Lease (`esplane-agent-<node>`) within the lease duration. The current node keeps the tunnel
// while it is eligible (no flapping); otherwise the tunnel goes to the eligible node with the
// highest rendezvous hash of (tunnel uid, node) — stable, and spreads tunnels over nodes
// without a shared counter. The reason says where the tunnel is and why it moved.
import { createHash } from 'node:crypto';

export interface NodeView {
	name: string;
	labels: Record<string, string>;
	ready: boolean;
}

export interface AgentHeartbeat {
	renewTime: Date;
	leaseDurationSeconds: number;
}

export type NodeHealth = 'ok' | 'NotReady' | 'AgentSilent' | 'Gone';

export interface GatewayInput {
	tunnelUid: string;
	nodeSelector?: Record<string, string>;
	current?: string;
	nodes: NodeView[];
	heartbeats: ReadonlyMap<string, AgentHeartbeat>;
	now: Date;
}

export interface GatewayDecision {
	node?: string;
	reason: string;
	/** The tunnel left `from` in this decision. */
	moved: boolean;
	from?: string;
	/** Look again when the chosen node's heartbeat would run out. */
	recheckAfterMs?: number;
}

export function nodeHealth(name: string, nodes: NodeView[], heartbeats: ReadonlyMap<string, AgentHeartbeat>, now: Date): NodeHealth {
	const node = nodes.find((n) => n.name === name);
	if (!node) return 'Gone';
	if (!node.ready) return 'NotReady';
	const hb = heartbeats.get(name);
	if (!hb || hb.renewTime.getTime() + hb.leaseDurationSeconds * 1000 <= now.getTime()) return 'AgentSilent';
	return 'ok';
}

const WHY: Record<Exclude<NodeHealth, 'ok'>, string> = {
	NotReady: 'is NotReady',
	AgentSilent: 'has no agent reporting',
	Gone: 'was removed from the cluster',
};

function score(uid: string, node: string): string {
	return createHash('sha256').update(`${uid}\0${node}`).digest('hex');
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
	return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

export function selectGateway(input: GatewayInput): GatewayDecision {
	const { nodes, heartbeats, now, current } = input;
	const admitted = nodes.filter((n) => selects(input.nodeSelector, n.labels));
	const eligible = admitted.filter((n) => nodeHealth(n.name, nodes, heartbeats, now) === 'ok');
	const recheck = (name: string): number | undefined => {
		const hb = heartbeats.get(name);
		return hb ? Math.max(0, hb.renewTime.getTime() + hb.leaseDurationSeconds * 1000 - now.getTime()) + 100 : undefined;
	};
	if (current && eligible.some((n) => n.name === current)) {
		const ms = recheck(current);
		return { node: current, reason: `serving on ${current}`, moved: false, ...(ms !== undefined ? { recheckAfterMs: ms } : {}) };
	}
	const currentAdmitted = current !== undefined && admitted.some((n) => n.name === current);
	const exists = current !== undefined && nodes.some((n) => n.name === current);
	const why =
		current === undefined
			? undefined
			: currentAdmitted || !exists
				? `node ${current} ${WHY[nodeHealth(current, nodes, heartbeats, now) as Exclude<NodeHealth, 'ok'>]}`
				: `node ${current} no longer matches gateway.nodeSelector`;
	const best = eligible.map((n) => ({ name: n.name, s: score(input.tunnelUid, n.name) })).sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : 0))[0];
	if (!best) {
		return {
			reason: `no eligible node: ${admitted.length} node(s) match gateway.nodeSelector, none Ready with a live agent${why ? `; ${why}` : ''}`,
			moved: current !== undefined,
			...(current !== undefined ? { from: current } : {}),
		};
	}
	const ms = recheck(best.name);
	const base = { node: best.name, ...(ms !== undefined ? { recheckAfterMs: ms } : {}) };
	if (current === undefined) return { ...base, reason: `assigned to ${best.name} (${eligible.length} eligible node(s))`, moved: false };
	return { ...base, reason: `moved from ${current} to ${best.name}: ${why}`, moved: true, from: current };
}
