// selectGateway as a table: where a tunnel goes given nodes, heartbeats and where it is now.
import test from 'ava';
import { selectGateway } from '../../operator/controller/gateway.js';
import type { AgentHeartbeat, NodeView } from '../../operator/controller/gateway.js';

const now = new Date('2026-01-01T12:00:00Z');
const alive: AgentHeartbeat = { renewTime: new Date(now.getTime() - 1000), leaseDurationSeconds: 10 };
const stale: AgentHeartbeat = { renewTime: new Date(now.getTime() - 11_000), leaseDurationSeconds: 10 };
const gw = { 'esplane.io/gateway': 'true' };
const node = (name: string, ready = true, labels: Record<string, string> = gw): NodeView => ({ name, labels, ready });

const cases: { name: string; nodes: NodeView[]; beats: [string, AgentHeartbeat][]; current?: string; selector?: Record<string, string>; node?: string | RegExp; reason: RegExp; moved: boolean }[] = [
	{ name: 'a healthy current node keeps the tunnel', nodes: [node('a'), node('b')], beats: [['a', alive], ['b', alive]], current: 'b', node: 'b', reason: /^serving on b$/, moved: false },
	{ name: 'a NotReady current node loses it', nodes: [node('a', false), node('b')], beats: [['a', alive], ['b', alive]], current: 'a', node: 'b', reason: /^moved from a to b: node a is NotReady$/, moved: true },
	{ name: 'a silent agent loses it', nodes: [node('a'), node('b')], beats: [['a', stale], ['b', alive]], current: 'a', node: 'b', reason: /^moved from a to b: node a has no agent reporting$/, moved: true },
	{ name: 'a deleted node loses it', nodes: [node('b')], beats: [['b', alive]], current: 'a', node: 'b', reason: /^moved from a to b: node a was removed from the cluster$/, moved: true },
	{ name: 'a node the selector stops admitting loses it', nodes: [node('a', true, {}), node('b')], beats: [['a', alive], ['b', alive]], selector: gw, current: 'a', node: 'b', reason: /no longer matches gateway\.nodeSelector/, moved: true },
	{ name: 'a new tunnel goes to an admitted, Ready node with an agent', nodes: [node('a', true, {}), node('b', false), node('c'), node('d')], beats: [['a', alive], ['b', alive], ['c', alive]], selector: gw, node: 'c', reason: /^assigned to c \(1 eligible node\(s\)\)$/, moved: false },
	{ name: 'no eligible node is said so', nodes: [node('a', false), node('b')], beats: [['a', alive]], current: 'a', reason: /^no eligible node: 2 node\(s\) match gateway\.nodeSelector, none Ready with a live agent; node a is NotReady$/, moved: true },
];

for (const c of cases) {
	test(c.name, (t) => {
		const d = selectGateway({ tunnelUid: 'uid-1', nodes: c.nodes, heartbeats: new Map(c.beats), now, ...(c.current ? { current: c.current } : {}), ...(c.selector ? { nodeSelector: c.selector } : {}) });
		t.is(d.node, c.node as string | undefined);
		t.regex(d.reason, c.reason);
		t.is(d.moved, c.moved);
	});
}

test('tunnels spread over eligible nodes and each choice is stable', (t) => {
	const nodes = [node('a'), node('b'), node('c')];
	const beats = new Map<string, AgentHeartbeat>(nodes.map((n) => [n.name, alive]));
	const counts = new Map<string, number>();
	for (let i = 0; i < 300; i++) {
		const d = selectGateway({ tunnelUid: `uid-${i}`, nodes, heartbeats: beats, now });
		t.is(selectGateway({ tunnelUid: `uid-${i}`, nodes: [...nodes].reverse(), heartbeats: beats, now }).node, d.node);
		counts.set(d.node ?? '', (counts.get(d.node ?? '') ?? 0) + 1);
	}
	for (const n of ['a', 'b', 'c']) t.true((counts.get(n) ?? 0) > 60, `node ${n} got ${counts.get(n)}`);
});

test('the decision says when to look again: when the heartbeat of the chosen node runs out', (t) => {
	const d = selectGateway({ tunnelUid: 'u', nodes: [node('a')], heartbeats: new Map([['a', alive]]), now });
	t.is(d.recheckAfterMs, 9000 + 100);
});
