// A real Prometheus server (Debian's) scrapes an agent metrics server fed with a fake
// snapshot, and the series come back through Prometheus' HTTP query API with the values
// the snapshot holds. This proves the exposition parses, the names and labels survive a real
// scrape, and counters/gauges/histograms land as the types Prometheus expects.
//
//   prometheus (127.0.0.1:P, tsdb in a temp dir, scrape every 1 s)
//        │ GET /metrics
//        ▼
//   startMetricsServer (127.0.0.1:M) ◀── createAgentMetrics ◀── fakeSnapshot()
import test from 'ava';
import { createAgentMetrics, createOperatorMetrics, startMetricsServer } from '../../operator/metrics/index.js';
import { FAKE_DROP_NAMES, fakeSnapshot } from './fake-snapshot.js';
import { startPrometheus, until } from './prometheus.js';
import type { Sample } from './prometheus.js';

const byLabels = (samples: Sample[], labels: Record<string, string>) =>
	samples.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));

test('a real Prometheus scrapes the agent metrics server and serves every family back through its query API', async (t) => {
	const agent = createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: fakeSnapshot });
	agent.observeXfrmSyncLag(0.002);
	agent.observeXfrmSyncLag(0.03);
	const operator = createOperatorMetrics({ controllers: ['ipsectunnel'] });
	operator.reconciled('ipsectunnel', 'success', 0.01);
	const server = await startMetricsServer({ registries: [agent.registry, operator.registry], host: '127.0.0.1', port: 0 });

	const prom = await startPrometheus('esplane-agent', [`127.0.0.1:${server.port}`]);
	const promPort = prom.port;
	const query = (expr: string) => prom.query(expr);

	try {
		// The scrape target must be up (Prometheus parsed our exposition without error).
		const up = await until('the scrape target to be up', 30_000, async () => {
			const r = await query('up{job="esplane-agent"}');
			return r[0]?.value[1] === '1' ? r : undefined;
		});
		t.is(up.length, 1);

		const cases: Array<{ expr: string; labels: Record<string, string>; value: number }> = [
			{ expr: 'esplane_tunnel_packets_total', labels: { tunnel: 'site-a/to-b', dir: 'out' }, value: 1200 },
			{ expr: 'esplane_tunnel_bytes_total', labels: { tunnel: 'site-a/to-b', dir: 'in' }, value: 1_500_000 },
			{ expr: 'esplane_tunnel_drops_total', labels: { tunnel: 'site-a/to-b', reason: 'replay_window' }, value: 3 },
			{ expr: 'esplane_tunnel_ike_state', labels: { tunnel: 'site-a/to-c', state: 'connecting' }, value: 1 },
			{ expr: 'esplane_tunnel_rekeys_total', labels: { tunnel: 'site-a/to-b', kind: 'child' }, value: 4 },
			{ expr: 'esplane_sa_packets_total', labels: { spi: '0xc0000200', dir: 'in' }, value: 1000 },
			{ expr: 'esplane_sa_bytes_total', labels: { spi: '0xc0000100', dir: 'out' }, value: 1_800_000 },
			{ expr: 'esplane_sa_drops_total', labels: { spi: '0xc0000200', reason: 'replay_duplicate' }, value: 4 },
			{ expr: 'esplane_sa_replay_failures_total', labels: { spi: '0xc0000200' }, value: 7 },
			{ expr: 'esplane_sa_auth_failures_total', labels: { spi: '0xc0000200' }, value: 2 },
			{ expr: 'esplane_sa_state', labels: { spi: '0xc0000100', state: 'active' }, value: 1 },
			{ expr: 'esplane_sa_sequence_numbers_remaining', labels: { spi: '0xc0000100' }, value: 4_294_966_095 },
			{ expr: 'esplane_dataplane_drops_total', labels: { reason: 'no_sa' }, value: 7 },
			{ expr: 'esplane_dataplane_drops_total', labels: { reason: 'ttl_exceeded' }, value: 0 },
			{ expr: 'esplane_dataplane_lcore_busy_ratio', labels: { lcore: '2', role: 'worker' }, value: 0.5 },
			{ expr: 'esplane_xfrm_sync_lag_seconds_count', labels: {}, value: 2 },
			{ expr: 'esplane_xfrm_sync_lag_seconds_bucket', labels: { le: '0.005' }, value: 1 },
			{ expr: 'esplane_reconcile_total', labels: { controller: 'ipsectunnel', result: 'success' }, value: 1 },
			{ expr: 'esplane_reconcile_errors_total', labels: { controller: 'ipsectunnel' }, value: 0 },
			{ expr: 'esplane_reconcile_duration_seconds_count', labels: { controller: 'ipsectunnel' }, value: 1 },
		];
		for (const c of cases) {
			const samples = await until(c.expr, 10_000, async () => {
				const r = await query(c.expr);
				return byLabels(r, c.labels) ? r : undefined;
			});
			const s = byLabels(samples, c.labels);
			t.is(Number(s?.value[1]), c.value, `${c.expr} ${JSON.stringify(c.labels)}`);
			t.is(s?.metric['job'], 'esplane-agent');
		}

		// Every drop reason the dataplane names is a series from the first scrape on.
		const drops = await query('esplane_dataplane_drops_total');
		t.deepEqual(drops.map((s) => s.metric['reason']).sort(), [...FAKE_DROP_NAMES].sort());

		// Prometheus knows the families with the types our exposition declared.
		const meta = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/targets/metadata?match_target=${encodeURIComponent('{job="esplane-agent"}')}`)).json()) as {
			data: Array<{ metric: string; type: string }>;
		};
		const types = new Map(meta.data.map((m) => [m.metric, m.type]));
		t.is(types.get('esplane_sa_packets_total'), 'counter');
		t.is(types.get('esplane_sa_state'), 'gauge');
		t.is(types.get('esplane_xfrm_sync_lag_seconds'), 'histogram');
	} catch (err) {
		t.log(prom.stderr().slice(-2000));
		throw err;
	} finally {
		await prom.stop();
		await server.close();
	}
});
