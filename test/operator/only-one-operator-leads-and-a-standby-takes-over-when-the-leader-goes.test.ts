// Leader election on the `esplane-operator` Lease: of two operator replicas only one runs
// controllers; when the leader stops it releases the Lease and the standby takes over at once;
// when a leader dies without releasing, the standby waits for the Lease to expire.
import test from 'ava';
import { Operator } from '../../operator/controller/operator.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { startTestCluster } from '../helpers/apiserver/cluster.js';

const until = async (ok: () => boolean, ms = 8000): Promise<number> => {
	const start = Date.now();
	while (!ok()) {
		if (Date.now() - start > ms) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 20));
	}
	return Date.now() - start;
};

test('one operator leads at a time and a standby takes over when the leader goes', async (t) => {
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const make = (identity: string) => new Operator({ kubeConfig: c.kubeConfig, namespace: c.namespace, leaseNamespace: c.namespace, identity, leaseDurationSeconds: 4, log: createLogger('test', { level: 'silent' }) });
	const a = make('replica-a');
	const b = make('replica-b');
	a.start();
	await until(() => a.running);
	b.start();
	await new Promise((r) => setTimeout(r, 1000));
	t.true(a.running);
	t.false(b.running, 'the standby does not run controllers while the leader renews');
	const lease = await kubeApi(c.kubeConfig).getLease(c.namespace, 'esplane-operator');
	t.is(lease.spec?.holderIdentity, 'replica-a');

	// A clean stop releases the Lease: the standby takes over well before it would expire.
	await a.stop();
	const took = await until(() => b.running);
	t.true(took < 3000, `took over after ${took} ms, before the 4 s lease could expire`);
	t.is((await kubeApi(c.kubeConfig).getLease(c.namespace, 'esplane-operator')).spec?.holderIdentity, 'replica-b');
	t.is((await kubeApi(c.kubeConfig).getLease(c.namespace, 'esplane-operator')).spec?.leaseTransitions, 1);

	// A leader that crashed without releasing: its last renewal stands until the Lease expires.
	await b.stop();
	const api = kubeApi(c.kubeConfig);
	const released = await api.getLease(c.namespace, 'esplane-operator');
	await api.replaceLease(c.namespace, 'esplane-operator', { ...released, spec: { ...released.spec, holderIdentity: 'crashed-replica', leaseDurationSeconds: 2, renewTime: new Date() } });
	const d = make('replica-d');
	t.teardown(() => d.stop());
	d.start();
	const waited = await until(() => d.running);
	t.true(waited >= 1500, `the standby waited ${waited} ms for the 2 s Lease to expire`);
});

test('lease times go on the wire as MicroTime: RFC 3339 with six fractional digits', async (t) => {
	const { microTime } = await import('../../operator/k8s/lease.js');
	t.is(String(microTime(new Date('2026-01-02T03:04:05.678Z'))), '2026-01-02T03:04:05.678000Z');
	const c = await startTestCluster();
	t.teardown(() => c.stop());
	const { claimLease } = await import('../../operator/k8s/lease.js');
	const claimed = await claimLease(kubeApi(c.kubeConfig), { namespace: c.namespace, name: 'probe', identity: 'me', leaseDurationSeconds: 5 });
	t.true(claimed.held);
	const renewTime = String((await kubeApi(c.kubeConfig).getLease(c.namespace, 'probe')).spec?.renewTime);
	t.regex(renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});
