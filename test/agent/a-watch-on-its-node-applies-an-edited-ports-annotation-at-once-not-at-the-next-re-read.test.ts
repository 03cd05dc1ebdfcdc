// The agent watches its own Node (field selector metadata.name) for its ports annotations, so
// an edit applies at once; the periodic re-read (here 10 minutes away) is only the safety net.
// Against the API-server test double over real HTTP, with another Node edited beside it.
import test from 'ava';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { NodePortsWatch } from '../../operator/agent/node-ports-watch.js';
import { parsePortsConfig, type PortsConfig } from '../../operator/agent/ports-config.js';
import { kubeApi } from '../../operator/k8s/client.js';
import { createLogger } from '../../operator/log/index.js';
import { startApiServerDouble } from '../helpers/apiserver/cluster.js';

const NODE = 'gw-watched';
const FILE = parsePortsConfig(JSON.stringify({
	ports: [{ name: 'wan', port: 0, role: 'wan', addresses: ['203.0.113.99/24'] }, { name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'] }],
	routes: [{ dst: '0.0.0.0/0', port: 'wan', via: '203.0.113.1' }],
}));
const wan = (c: PortsConfig) => c.ports.find(p => p.name === 'wan')?.addresses;

test('an edited annotation on its own node applies within seconds, edits of other nodes apply nothing', async t => {
	const cluster = await startApiServerDouble();
	t.teardown(() => cluster.stop());
	const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
	for (const name of [NODE, 'gw-other']) await core.createNode({ body: { metadata: { name, annotations: { 'esplane.io/dp-addresses.wan': '192.0.2.10/24' } } } });
	const annotate = (name: string, value: string) => core.patchNode({ name, body: { metadata: { annotations: { 'esplane.io/dp-addresses.wan': value } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

	const watch = new NodePortsWatch({ api: kubeApi(cluster.kubeConfig), node: NODE, file: FILE, log: createLogger('t', { level: 'silent' }), intervalMs: 600_000, kubeConfig: cluster.kubeConfig });
	t.teardown(() => watch.stop());
	t.deepEqual(wan(await watch.first()), ['192.0.2.10/24']);
	const applied: Array<string[] | undefined> = [];
	let inFlight = 0, overlapped = false;
	watch.start(async next => {
		overlapped ||= inFlight > 0;
		inFlight++;
		await new Promise(r => setTimeout(r, 50));
		applied.push(wan(next));
		inFlight--;
	});
	const until = async (ok: () => boolean) => {
		for (let i = 0; i < 100 && !ok(); i++) await new Promise(r => setTimeout(r, 50));
	};
	await until(() => watch.stats.watchEvents > 0); // the watch's first list

	await annotate('gw-other', '198.51.100.7/24');
	await annotate(NODE, '192.0.2.20/24');
	await until(() => applied.length > 0);
	t.deepEqual(applied, [['192.0.2.20/24']], 'its own edit, not the other node\'s');
	t.deepEqual(wan(watch.current), ['192.0.2.20/24']);

	// Quick successive edits end in the last one, applied one at a time.
	for (const a of ['192.0.2.21/24', '192.0.2.22/24', '192.0.2.23/24']) await annotate(NODE, a);
	await until(() => JSON.stringify(wan(watch.current)) === '["192.0.2.23/24"]');
	t.deepEqual(wan(watch.current), ['192.0.2.23/24']);
	t.false(overlapped, 'two changes were never applied at once');
	t.is(watch.stats.watchErrors, 0);
});
