// The HTTP server both roles mount: /metrics in Prometheus' text format from every registry
// handed in, /healthz and /readyz answering 200 or 503 from the role's checks (a throwing
// check is "not ok", never a crash), 404 elsewhere, 405 for writes.
import test from 'ava';
import { createAgentMetrics, createOperatorMetrics, emptySnapshot, metricsListenFromEnv, startMetricsServer } from '../../operator/metrics/index.js';

const CASES: Array<{ name: string; healthy: () => boolean | Promise<boolean>; ready: () => boolean | Promise<boolean>; health: number; readiness: number }> = [
	{ name: 'healthy and ready', healthy: () => true, ready: () => true, health: 200, readiness: 200 },
	{ name: 'healthy, not yet synced', healthy: () => true, ready: async () => false, health: 200, readiness: 503 },
	{ name: 'a readiness check that throws', healthy: () => true, ready: () => { throw new Error('boom'); }, health: 200, readiness: 503 },
	{ name: 'unhealthy', healthy: async () => false, ready: () => true, health: 503, readiness: 200 },
];

for (const c of CASES) {
	test(`probes when ${c.name}: /healthz ${c.health}, /readyz ${c.readiness}`, async (t) => {
		const server = await startMetricsServer({ registries: [createOperatorMetrics().registry], healthy: c.healthy, ready: c.ready });
		t.teardown(() => server.close());
		const base = `http://127.0.0.1:${server.port}`;
		t.is((await fetch(`${base}/healthz`)).status, c.health);
		t.is((await fetch(`${base}/readyz`)).status, c.readiness);
	});
}

test('/metrics merges the registries in the Prometheus text format; other paths and methods are refused', async (t) => {
	const agent = createAgentMetrics({ dropNames: ['no_sa'], snapshot: emptySnapshot });
	const operator = createOperatorMetrics({ controllers: ['ipsectunnel'] });
	const server = await startMetricsServer({ registries: [agent.registry, operator.registry] });
	t.teardown(() => server.close());
	const base = `http://127.0.0.1:${server.port}`;
	const res = await fetch(`${base}/metrics`);
	t.is(res.status, 200);
	t.regex(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
	const body = await res.text();
	t.regex(body, /^# TYPE esplane_dataplane_drops_total counter$/m);
	t.regex(body, /^esplane_dataplane_drops_total\{reason="no_sa"\} 0$/m);
	t.regex(body, /^esplane_reconcile_total\{controller="ipsectunnel",result="success"\} 0$/m);
	t.is((await fetch(`${base}/nope`)).status, 404);
	t.is((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

test('the listen address comes from ESPLANE_METRICS_PORT/HOST as the chart sets them, and a bad port is refused', (t) => {
	t.deepEqual(metricsListenFromEnv(9478, {}), { host: '0.0.0.0', port: 9478 });
	t.deepEqual(metricsListenFromEnv(9478, { ESPLANE_METRICS_PORT: '8080' }), { host: '0.0.0.0', port: 8080 });
	t.deepEqual(metricsListenFromEnv(9478, { ESPLANE_METRICS_PORT: '0', ESPLANE_METRICS_HOST: '127.0.0.1' }), { host: '127.0.0.1', port: 0 });
	t.throws(() => metricsListenFromEnv(9478, { ESPLANE_METRICS_PORT: 'http' }), { instanceOf: RangeError, message: /ESPLANE_METRICS_PORT/ });
	t.throws(() => metricsListenFromEnv(9478, { ESPLANE_METRICS_PORT: '70000' }), { instanceOf: RangeError });
});
