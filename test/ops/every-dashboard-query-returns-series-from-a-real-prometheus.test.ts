// The Grafana dashboard (dashboards/esplane.json) is only useful if its queries match what
// esplane exports. A real Prometheus scrapes an agent+operator metrics server whose fake
// counters grow every second, and every panel query (Grafana's variables replaced as Grafana
// would) must parse and return at least one series. Every esplane_ name the dashboard uses
// must be a family the registries export.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgentMetrics, createOperatorMetrics, startMetricsServer } from '../../operator/metrics/index.js';
import type { AgentSnapshot, Count } from '../../operator/metrics/index.js';
import { FAKE_DROP_NAMES, fakeSnapshot } from './fake-snapshot.js';
import { ROOT } from './helm.js';
import { startPrometheus, until } from './prometheus.js';

type Panel = { type: string; title: string; id: number; targets?: Array<{ expr: string }> };
const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards/esplane.json'), 'utf8')) as {
	uid: string;
	panels: Panel[];
	templating: { list: Array<{ name: string }> };
};
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

// Grafana's substitutions for a 1 s scrape interval and "All" tunnels.
const grafana = (expr: string) => expr.replaceAll('$__rate_interval', '10s').replaceAll('$__range', '1h').replaceAll('$tunnel', '.*');

// fakeSnapshot() with every counter scaled by the seconds since start, so rates are > 0.
function growing(): () => AgentSnapshot {
	const start = Date.now();
	const scale = (c: Count): number => Number(c) * (1 + (Date.now() - start) / 1000);
	const scaleAll = (r: Record<string, Count>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, scale(v) + 1]));
	return () => {
		const s = fakeSnapshot();
		return {
			...s,
			drops: scaleAll(s.drops),
			tunnels: s.tunnels.map((t) => ({ ...t, packets: { in: scale(t.packets.in) + 1, out: scale(t.packets.out) + 1 }, bytes: { in: scale(t.bytes.in) + 1, out: scale(t.bytes.out) + 1 }, drops: scaleAll(t.drops), rekeys: { ike: scale(t.rekeys.ike), child: scale(t.rekeys.child) } })),
			sas: s.sas.map((sa) => ({ ...sa, packets: scale(sa.packets), bytes: scale(sa.bytes), drops: scaleAll(sa.drops) })),
		};
	};
}

test('the dashboard is well formed: unique panel ids, a tunnel variable, a query on every graph', (t) => {
	t.is(dashboard.uid, 'esplane-tunnels');
	const ids = dashboard.panels.map((p) => p.id);
	t.is(new Set(ids).size, ids.length);
	t.true(dashboard.templating.list.some((v) => v.name === 'tunnel'));
	for (const p of dashboard.panels.filter((x) => x.type !== 'row')) t.true((p.targets ?? []).length > 0, p.title);
	for (const title of ['Throughput per tunnel', 'Drops by reason', 'SAs by state']) t.true(dashboard.panels.some((p) => p.title === title), title);
});

test('every dashboard query parses and returns series from a real Prometheus scraping esplane', async (t) => {
	const agent = createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: growing() });
	const operator = createOperatorMetrics({ controllers: ['ipsectunnel'] });
	const tick = setInterval(() => {
		agent.observeXfrmSyncLag(0.003);
		operator.reconciled('ipsectunnel', 'success', 0.02);
	}, 100);
	const server = await startMetricsServer({ registries: [agent.registry, operator.registry], port: 0 });
	const prom = await startPrometheus('esplane', [`127.0.0.1:${server.port}`]);
	try {
		// Every esplane_ name in the dashboard is an exported family (or its histogram series).
		const exported = (await agent.registry.getMetricsAsJSON()).concat(await operator.registry.getMetricsAsJSON()).map((m) => m.name);
		for (const q of queries) {
			for (const name of q.expr.match(/esplane_[a-z0-9_]+/g) ?? []) {
				t.true(exported.includes(name.replace(/_(bucket|count|sum)$/, '')), `${q.panel}: ${name} is not exported`);
			}
		}
		await until('three scrapes', 30_000, async () => {
			const r = await prom.query('count_over_time(up{job="esplane"}[1m])');
			return Number(r[0]?.value[1] ?? 0) >= 3 ? true : undefined;
		});
		for (const q of queries) {
			const raw = await prom.queryRaw(grafana(q.expr));
			t.is(raw.status, 'success', `${q.panel}: ${q.expr}: ${raw.error ?? ''}`);
			const result = await until(`${q.panel} to return series`, 10_000, async () => {
				const r = await prom.query(grafana(q.expr));
				return r.length > 0 ? r : undefined;
			}).catch(() => []);
			t.true(result.length > 0, `${q.panel}: no series for ${grafana(q.expr)}`);
		}
	} catch (err) {
		t.log(prom.stderr().slice(-2000));
		throw err;
	} finally {
		clearInterval(tick);
		await prom.stop();
		await server.close();
	}
});
