// Prometheus' own linter (`promtool check metrics`, Debian's prometheus package) reads the
// exposition of every esplane family — agent, operator, build info — and finds nothing to
// complain about: names, suffixes, units and types follow Prometheus conventions. (Node's
// runtime metrics from prom-client are left out: they are not ours to rename.)
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { createAgentMetrics, createOperatorMetrics, createProcessMetrics } from '../../operator/metrics/index.js';
import { FAKE_DROP_NAMES, fakeSnapshot } from './fake-snapshot.js';

const promtool = (exposition: string) => {
	const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
	return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
};

test('promtool check metrics passes the esplane exposition without a remark', async (t) => {
	const registry = new Registry();
	const agent = createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: fakeSnapshot, registry });
	agent.observeXfrmSyncLag(0.004);
	const operator = createOperatorMetrics({ registry, controllers: ['ipsectunnel'] });
	operator.reconciled('ipsectunnel', 'success', 0.05);
	createProcessMetrics({ role: 'agent', version: '0.1.0', registry, runtime: false });
	const exposition = await registry.metrics();
	t.true(exposition.includes('esplane_sa_packets_total{'));
	const r = promtool(exposition);
	t.is(r.out, '');
	t.is(r.code, 0);
});

test('promtool flags a family that breaks the conventions, so the check can fail', (t) => {
	const r = promtool('# HELP esplane_tunnel_bytes bytes\n# TYPE esplane_tunnel_bytes counter\nesplane_tunnel_bytes 1\n');
	t.not(r.code, 0);
	t.regex(r.out, /esplane_tunnel_bytes/);
});
