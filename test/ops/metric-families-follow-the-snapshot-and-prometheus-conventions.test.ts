// The agent's families are a view of the latest snapshot: values equal the snapshot's, series
// of SAs and tunnels that are gone disappear on the next scrape, every drop reason the
// dataplane names is exported (at 0) and nothing else is invented. Names follow Prometheus
// conventions: esplane_ prefix, counters end in _total, units in the name.
import test from 'ava';
import { Registry } from 'prom-client';
import { createAgentMetrics, createOperatorMetrics, createProcessMetrics, emptySnapshot, seqRemaining } from '../../operator/metrics/index.js';
import type { AgentSnapshot } from '../../operator/metrics/index.js';
import { FAKE_DROP_NAMES, fakeSnapshot } from './fake-snapshot.js';

async function values(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
	const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
	return (m?.values ?? []).map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

test('a scrape shows the snapshot of that moment: gone SAs and tunnels disappear', async (t) => {
	let snap: AgentSnapshot = fakeSnapshot();
	const { registry } = createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: () => snap });
	t.is((await values(registry, 'esplane_sa_packets_total')).length, 2);
	t.deepEqual((await values(registry, 'esplane_sa_replay_failures_total')).find((v) => v.labels['spi'] === '0xc0000200')?.value, 7);
	snap = { ...fakeSnapshot(), sas: [], tunnels: fakeSnapshot().tunnels.slice(0, 1) };
	t.deepEqual(await values(registry, 'esplane_sa_packets_total'), []);
	t.deepEqual((await values(registry, 'esplane_tunnel_ike_state')).map((v) => v.labels['tunnel']), ['site-a/to-b']);
});

test('every drop reason the dataplane names is exported from the first scrape, and only those plus what it reports', async (t) => {
	const names = ['alpha', 'beta_gamma'];
	const { registry } = createAgentMetrics({ dropNames: names, snapshot: () => ({ ...emptySnapshot(), drops: { beta_gamma: 5n, surprise: 1 } }) });
	const drops = await values(registry, 'esplane_dataplane_drops_total');
	t.deepEqual(drops.map((d) => [d.labels['reason'], d.value]), [['alpha', 0], ['beta_gamma', 5], ['surprise', 1]]);
});

test('replay and authentication failures are summed from the reasons the caller names', async (t) => {
	const snap = fakeSnapshot();
	const { registry } = createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: () => snap, replayReasons: ['replay_window'], authReasons: [] });
	t.is((await values(registry, 'esplane_sa_replay_failures_total')).find((v) => v.labels['dir'] === 'in')?.value, 3);
	t.is((await values(registry, 'esplane_sa_auth_failures_total')).find((v) => v.labels['dir'] === 'in')?.value, 0);
});

test('a failed reconcile counts as an error with its duration, and the error is rethrown', async (t) => {
	const m = createOperatorMetrics();
	await m.timeReconcile('ipsectunnel', async () => 'ok');
	await m.timeReconcile('ipsectunnel', async () => 'later', () => 'requeue');
	await t.throwsAsync(m.timeReconcile('ipsectunnel', async () => { throw new Error('conflict'); }), { message: 'conflict' });
	const total = await values(m.registry, 'esplane_reconcile_total');
	t.deepEqual(total.map((v) => [v.labels['result'], v.value]).sort(), [['error', 1], ['requeue', 1], ['success', 1]]);
	t.is((await values(m.registry, 'esplane_reconcile_errors_total'))[0]?.value, 1);
	const count = (await values(m.registry, 'esplane_reconcile_duration_seconds')).find((v) => (v as { labels: Record<string, unknown> }).labels['le'] === '+Inf');
	t.is(count?.value, 3);
	m.setLeader(true);
	t.is((await values(m.registry, 'esplane_operator_leader'))[0]?.value, 1);
});

test('every family is esplane_-prefixed, counters end in _total, and names carry their unit', async (t) => {
	const registry = new Registry();
	createAgentMetrics({ dropNames: FAKE_DROP_NAMES, snapshot: fakeSnapshot, registry });
	createOperatorMetrics({ registry });
	createProcessMetrics({ role: 'agent', version: '0.1.0', registry, runtime: false });
	const families = await registry.getMetricsAsJSON();
	t.true(families.length >= 18);
	for (const f of families) {
		t.regex(f.name, /^esplane_[a-z0-9_]+$/, f.name);
		t.true(f.help.length > 10, `${f.name} has help`);
		if (String(f.type) === 'counter') t.regex(f.name, /_total$/, f.name);
		else t.notRegex(f.name, /_total$/, f.name);
		if (String(f.type) === 'histogram') t.regex(f.name, /_seconds$/, `${f.name}: histograms here measure time`);
		if (/bytes|seconds|ratio/.test(f.help.toLowerCase()) && String(f.type) !== 'counter') t.regex(f.name, /_(bytes|seconds|ratio|state|remaining|leader|info)$/, f.name);
	}
});

test('sequence-number headroom counts down to 0 at 2^32-1, or 2^64-1 with ESN, and never below', (t) => {
	const cases: Array<[bigint, boolean, bigint]> = [
		[0n, false, 4_294_967_295n],
		[4_294_967_294n, false, 1n],
		[4_294_967_295n, false, 0n],
		[5_000_000_000n, false, 0n],
		[4_294_967_295n, true, 18_446_744_069_414_584_320n],
		[18_446_744_073_709_551_615n, true, 0n],
	];
	for (const [seq, esn, left] of cases) t.is(seqRemaining(seq, esn), left, `${seq} esn=${esn}`);
});

test('the process registry says which version and role answered, with Node runtime metrics', async (t) => {
	const registry = createProcessMetrics({ role: 'operator', version: '9.9.9' });
	t.deepEqual((await values(registry, 'esplane_build_info'))[0], { labels: { version: '9.9.9', role: 'operator' }, value: 1 });
	const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
	t.true(names.includes('process_cpu_user_seconds_total'));
	t.true(names.includes('nodejs_eventloop_lag_seconds'));
});
