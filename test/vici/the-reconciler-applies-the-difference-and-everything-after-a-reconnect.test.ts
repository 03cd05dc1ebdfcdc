// The reconciler is level-based: each pass compares the desired tunnels with what charon
// reports (get-conns, get-shared, get-pools, get-keys) and loads or unloads only the
// difference; a config charon lost behind its back is loaded again; a refused tunnel is
// reported with charon's errmsg without holding up the others, and retried; after a
// reconnect (charon restarted empty) everything is loaded again without being asked.
// Against a fake charon that keeps the state the real one would.
import test from 'ava';
import { createHash } from 'node:crypto';
import { CharonReconciler, type ReconcileReport } from '../../operator/agent/strongswan/reconcile.js';
import { specToVici } from '../../operator/agent/strongswan/render.js';
import type { IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';
import { ViciClient } from '../../operator/vici/client.js';
import { isViciCommandError } from '../../operator/vici/errors.js';
import { createLogger } from '../../operator/log/logger.js';
import { FakeViciServer, type Handler, sleep } from './fake-server.js';

const log = createLogger('test', { level: 'silent' });

class FakeCharonState {
	conns = new Map<string, unknown>();
	shared = new Map<string, unknown>();
	pools = new Map<string, unknown>();
	keys = new Set<string>();
	loads: string[] = [];
	terminated: string[] = [];
	handlers(): Record<string, Handler> {
		const ok = { success: 'yes' };
		const first = (m: Record<string, unknown>): [string, unknown] => Object.entries(m)[0] as [string, unknown];
		return {
			'get-conns': () => ({ conns: [...this.conns.keys()] }),
			'get-shared': () => ({ keys: [...this.shared.keys()] }),
			'get-pools': () => Object.fromEntries([...this.pools.keys()].map((n) => [n, { base: '10.99.0.0', size: '14', online: '0', offline: '0' }])),
			'get-keys': () => ({ keys: [...this.keys] }),
			'load-conn': (m) => {
				const [name, body] = first(m);
				this.loads.push(`conn ${name}`);
				if (JSON.stringify(body).includes('aes128-foo')) return { success: 'no', errmsg: 'invalid value for: esp_proposals, config discarded' };
				this.conns.set(name, body);
				return ok;
			},
			'unload-conn': (m) => (this.conns.delete(String(m['name'])) ? ok : { success: 'no', errmsg: 'not found' }),
			'load-shared': (m) => {
				this.loads.push(`shared ${String(m['id'])}`);
				this.shared.set(String(m['id']), m);
				return ok;
			},
			'unload-shared': (m) => (this.shared.delete(String(m['id'])) ? ok : { success: 'no', errmsg: 'not found' }),
			'load-pool': (m) => {
				const [name, body] = first(m);
				this.loads.push(`pool ${name}`);
				this.pools.set(name, body);
				return ok;
			},
			'unload-pool': (m) => (this.pools.delete(String(m['name'])) ? ok : { success: 'no', errmsg: 'not found' }),
			'load-key': (m) => {
				const id = createHash('sha1').update(String(m['data'])).digest('hex');
				this.loads.push('key');
				this.keys.add(id);
				return { success: 'yes', id };
			},
			'unload-key': (m) => (this.keys.delete(String(m['id'])) ? ok : { success: 'no', errmsg: 'not found' }),
			terminate: (m) => {
				this.terminated.push(String(m['ike']));
				return { success: 'no', errmsg: 'no matching SAs to terminate found' };
			},
			'load-cert': () => {
				this.loads.push('cert');
				return ok;
			},
		};
	}
}

const spec = (n: number, extra: Partial<IPsecTunnelSpec> = {}): IPsecTunnelSpec => ({
	local: { address: '192.0.2.1', id: '@a', subnets: [`10.${n}.0.0/24`] },
	remote: { address: '192.0.2.2', id: '@b', subnets: ['10.200.0.0/24'] },
	auth: { psk: { secretRef: { name: 's', key: 'psk' } } },
	...extra,
});

test('loads the difference, heals what charon lost, unloads what is gone, retries refusals, reloads all after a reconnect', async (t) => {
	let state = new FakeCharonState();
	const server = new FakeViciServer(state.handlers());
	await server.listen();
	const client = new ViciClient({ path: server.path, logger: log, backoff: { initialMs: 20, maxMs: 100 } });
	const reports: ReconcileReport[] = [];
	const rec = new CharonReconciler({ client, logger: log, retryMs: 50, maxRetryMs: 100, onReport: (r) => reports.push(r) });
	t.teardown(async () => {
		rec.stop();
		client.close();
		await server.dispose();
	});
	await client.start();

	rec.set('ns/one', specToVici('ns', 'one', spec(1), { psk: 'p1' }));
	rec.set('ns/two', specToVici('ns', 'two', spec(2), { psk: 'p2' }));
	let r = await rec.reconcile();
	t.deepEqual(r.loaded, ['shared ns/one/psk', 'conn ns/one', 'shared ns/two/psk', 'conn ns/two'], 'credentials before the configs that use them');
	t.is(r.errors.size, 0);

	r = await rec.reconcile();
	t.deepEqual(r.loaded, [], 'a second pass with nothing changed loads nothing');
	t.deepEqual(r.unloaded, []);

	state.conns.delete('ns/two');
	r = await rec.reconcile();
	t.deepEqual(r.loaded, ['conn ns/two'], 'a config charon lost is loaded again');

	rec.set('ns/one', specToVici('ns', 'one', spec(1, { esp: { proposals: ['aes256gcm16'] } }), { psk: 'p1' }));
	r = await rec.reconcile();
	t.deepEqual(r.loaded, ['conn ns/one'], 'a changed spec reloads only its config');

	rec.set('ns/one', specToVici('ns', 'one', spec(1, { esp: { proposals: ['aes256gcm16'] } }), { psk: 'rotated' }));
	r = await rec.reconcile();
	t.deepEqual(r.loaded, ['shared ns/one/psk'], 'a rotated secret reloads only the secret');

	rec.delete('ns/two');
	state.conns.set('stray', {});
	r = await rec.reconcile();
	t.deepEqual(r.unloaded.sort(), ['conn ns/two', 'conn stray', 'shared ns/two/psk']);
	t.deepEqual([...state.conns.keys()], ['ns/one']);
	t.deepEqual(state.terminated.sort(), ['ns/two', 'stray'], 'SAs of an unloaded config are terminated, not left running');

	// A tunnel charon refuses: reported with its errmsg, the others are untouched, and retried.
	rec.set('ns/bad', specToVici('ns', 'bad', spec(3, { dataplane: 'kernel', esp: { proposals: ['aes128-foo'] } }), { psk: 'p3' }));
	rec.set('ns/three', specToVici('ns', 'three', spec(4), { psk: 'p4' }));
	r = await rec.reconcile();
	const err = r.errors.get('ns/bad');
	t.true(isViciCommandError(err));
	t.is(isViciCommandError(err) ? err.errmsg : '', 'invalid value for: esp_proposals, config discarded');
	t.deepEqual(r.loaded, ['shared ns/bad/psk', 'shared ns/three/psk', 'conn ns/three']);
	const attempts = state.loads.filter((l) => l === 'conn ns/bad').length;
	await sleep(300);
	t.true(state.loads.filter((l) => l === 'conn ns/bad').length > attempts, 'the refused tunnel is retried with backoff');
	rec.delete('ns/bad');
	await rec.reconcile();

	// charon restarts with nothing loaded: no one calls reconcile, the reconnect hook does.
	const passes = reports.length;
	await server.stop();
	state = new FakeCharonState();
	Object.assign(server.handlers, state.handlers());
	await server.listen();
	const deadline = Date.now() + 3000;
	while (state.conns.size < 2 && Date.now() < deadline) await sleep(20);
	t.deepEqual([...state.conns.keys()].sort(), ['ns/one', 'ns/three']);
	t.deepEqual([...state.shared.keys()].sort(), ['ns/one/psk', 'ns/three/psk']);
	t.true(reports.length > passes);
	t.is(reports.at(-1)?.errors.size, 0);
});

test('keys and pools of a remote-access tunnel are loaded once and unloaded with it', async (t) => {
	const state = new FakeCharonState();
	const server = new FakeViciServer(state.handlers());
	await server.listen();
	const client = new ViciClient({ path: server.path, logger: log });
	const rec = new CharonReconciler({ client, logger: log });
	t.teardown(async () => {
		rec.stop();
		client.close();
		await server.dispose();
	});
	await client.start();
	const pem = (kind: string, body: string): string => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
	rec.set('ra/phones', specToVici('ra', 'phones', {
		local: { address: '192.0.2.1', id: 'CN=gw', subnets: ['10.1.0.0/24'] },
		remote: { address: '%any', subnets: ['10.99.0.0/24'] },
		auth: { x509: { secretName: 'tls' } },
		remoteAccess: { pools: ['10.99.0.0/28'] },
	}, { x509: { cert: pem('CERTIFICATE', 'Y2VydA=='), key: pem('PRIVATE KEY', 'a2V5'), ca: pem('CERTIFICATE', 'Y2E=') } }));
	let r = await rec.reconcile();
	t.deepEqual(r.loaded.map((l) => l.split(' ')[0]), ['cert', 'key', 'pool', 'conn']);
	t.is(state.keys.size, 1);
	r = await rec.reconcile();
	t.deepEqual(r.loaded, [], 'the key is known by its id: not loaded twice');
	rec.delete('ra/phones');
	r = await rec.reconcile();
	t.deepEqual(r.unloaded.map((l) => l.split(' ')[0]), ['conn', 'pool', 'key']);
	t.is(state.keys.size, 0);
	t.is(state.pools.size, 0);
});
