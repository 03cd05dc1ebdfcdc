// Streamed commands (list-sas, list-conns): the client registers for the stream's event,
// sends the command, collects every event until the response, then unregisters — all as one
// exchange, so no other command can slip in between and steal the items.
import test from 'ava';
import { ViciClient } from '../../operator/vici/client.js';
import * as vici from '../../operator/vici/commands.js';
import { PacketType } from '../../operator/vici/codec.js';
import { FakeViciServer } from './fake-server.js';
import { createLogger } from '../../operator/log/logger.js';

const log = createLogger('test', { level: 'silent' });

test('list-sas yields one item per list-sa event, parsed, and leaves no registration behind', async (t) => {
	const server = new FakeViciServer({
		'list-sas': (_msg, conn) => {
			for (const n of ['a', 'b']) {
				conn.event('list-sa', {
					[`ns/${n}`]: {
						uniqueid: n === 'a' ? '1' : '2',
						version: '2',
						state: 'ESTABLISHED',
						'local-host': '192.0.2.1',
						'remote-host': '192.0.2.2',
						'encr-alg': 'AES_CBC',
						'encr-keysize': '128',
						'integ-alg': 'HMAC_SHA2_256_128',
						'prf-alg': 'PRF_HMAC_SHA2_256',
						'dh-group': 'CURVE_25519',
						'child-sas': { [`ns/${n}-3`]: { name: `ns/${n}`, state: 'INSTALLED', 'encr-alg': 'AES_GCM_16', 'encr-keysize': '128', 'spi-in': 'c1', 'spi-out': 'c2', 'bytes-in': '84', 'local-ts': ['10.1.0.0/24'], 'remote-ts': ['10.2.0.0/24'] } },
					},
				});
			}
			conn.event('child-updown', { up: 'yes' });
			return {};
		},
		'list-conns': (_msg, conn) => {
			conn.event('list-conn', { 'ns/a': { local_addrs: ['192.0.2.1'] } });
			return {};
		},
	});
	await server.listen();
	const c = new ViciClient({ path: server.path, logger: log });
	t.teardown(async () => {
		c.close();
		await server.dispose();
	});
	await c.start();
	await c.subscribe('child-updown');
	const events: string[] = [];
	c.on('event', (name) => events.push(name));

	const [sas, conns] = await Promise.all([vici.listSas(c), vici.listConns(c)]);
	t.deepEqual(sas.map((s) => s.name), ['ns/a', 'ns/b']);
	const a = sas[0];
	t.is(a?.state, 'ESTABLISHED');
	t.is(a?.proposal, 'AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519');
	t.is(a?.children[0]?.name, 'ns/a');
	t.is(a?.children[0]?.proposal, 'AES_GCM_16-128');
	t.is(a?.children[0]?.bytesIn, 84);
	t.deepEqual(a?.children[0]?.remoteTs, ['10.2.0.0/24']);
	t.deepEqual(Object.keys(conns), ['ns/a']);
	t.deepEqual(events, ['child-updown'], 'a subscribed event during a stream still reaches subscribers; list-sa does not');

	const seq = server.received.map((p) => `${p.type}:${p.name ?? ''}`);
	t.deepEqual(seq.slice(-6), [
		`${PacketType.EVENT_REGISTER}:list-sa`,
		`${PacketType.CMD_REQUEST}:list-sas`,
		`${PacketType.EVENT_UNREGISTER}:list-sa`,
		`${PacketType.EVENT_REGISTER}:list-conn`,
		`${PacketType.CMD_REQUEST}:list-conns`,
		`${PacketType.EVENT_UNREGISTER}:list-conn`,
	]);
	for (const conn of server.conns) t.deepEqual([...conn.events], ['child-updown']);
});
