// Under Kubernetes one ports file serves every node; each node's wan address and gateway come
// from annotations on its Node (esplane.io/dp-addresses.<port>, esplane.io/dp-routes.<port>),
// merged over the file's values for that port. Values are checked as the file's are; a bad
// one is refused naming the annotation and the node, and that port keeps what it had.
import test from 'ava';
import { nodePortsConfig } from '../../operator/agent/node-ports.js';
import { parsePortsConfig } from '../../operator/agent/ports-config.js';

const file = parsePortsConfig(JSON.stringify({
	ports: [
		{ name: 'wan', port: 0, role: 'wan', exception: 'esp-wan0', addresses: ['198.51.100.2/24'] },
		{ name: 'lan', port: 1, role: 'lan', exception: 'esp-lan0', addresses: ['10.1.0.1/24'] },
	],
	routes: [{ dst: '0.0.0.0/0', port: 'wan', via: '198.51.100.1' }, { dst: '10.3.0.0/16', port: 'lan', via: '10.1.0.254' }],
	neighbors: [{ ip: '10.1.0.254', mac: '02:00:00:00:00:01', port: 'lan' }],
}));

test('a node annotation replaces its port addresses and routes, other ports keep the file', t => {
	const merged = nodePortsConfig(file, {
		'esplane.io/dp-addresses.wan': '192.0.2.10/24, 2001:db8::10/64',
		'esplane.io/dp-routes.wan': '0.0.0.0/0 via 192.0.2.1,::/0 via 2001:db8::1\n203.0.113.0/24',
		'kubernetes.io/hostname': 'gw-1',
	}, 'gw-1');
	t.deepEqual(merged.problems, []);
	t.deepEqual(merged.applied, ['esplane.io/dp-addresses.wan', 'esplane.io/dp-routes.wan']);
	t.deepEqual(merged.config.ports, [
		{ name: 'wan', port: 0, role: 'wan', exception: 'esp-wan0', addresses: ['192.0.2.10/24', '2001:db8::10/64'] },
		{ name: 'lan', port: 1, role: 'lan', exception: 'esp-lan0', addresses: ['10.1.0.1/24'] },
	]);
	t.deepEqual(merged.config.routes, [
		{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.1' },
		{ dst: '::/0', port: 'wan', via: '2001:db8::1' },
		{ dst: '203.0.113.0/24', port: 'wan' },
		{ dst: '10.3.0.0/16', port: 'lan', via: '10.1.0.254' },
	]);
	t.deepEqual(merged.config.neighbors, file.neighbors);
	// without annotations: the file as it is
	t.deepEqual(nodePortsConfig(file, undefined, 'gw-1').config, file);
	// an empty value is "none", not "the file's"
	t.deepEqual(nodePortsConfig(file, { 'esplane.io/dp-routes.lan': '' }, 'gw-1').config.routes, [file.routes[0]]);
});

test('a bad annotation is refused naming it and the node, and its port keeps what it had', t => {
	const good = nodePortsConfig(file, { 'esplane.io/dp-addresses.wan': '192.0.2.10/24', 'esplane.io/dp-routes.wan': '0.0.0.0/0 via 192.0.2.1' }, 'gw-1').config;
	const bad = nodePortsConfig(file, {
		'esplane.io/dp-addresses.wan': '192.0.2.300/24',
		'esplane.io/dp-routes.wan': '0.0.0.0/0 through 192.0.2.1',
		'esplane.io/dp-routes.lan': '10.4.0.0/16 via 2001:db8::1',
		'esplane.io/dp-addresses.dmz': '10.9.0.1/24',
		'esplane.io/dp-adresses.wan': '192.0.2.11/24',
		'esplane.io/dp-addresses.lan': '10.1.0.1/24,10.1.0.2/24,10.1.0.3/24,10.1.0.4/24,10.1.0.5/24',
	}, 'gw-1', good);
	t.deepEqual(bad.problems, [
		'node gw-1, annotation esplane.io/dp-addresses.dmz: the ports file has no port "dmz" (it has wan, lan)',
		'node gw-1, annotation esplane.io/dp-addresses.lan: address: at most 4 addresses, not 5',
		'node gw-1, annotation esplane.io/dp-addresses.wan: address: "192.0.2.300/24" is not an IPv4 or IPv6 prefix',
		'node gw-1, annotation esplane.io/dp-adresses.wan: unknown; the known ones are esplane.io/dp-addresses.<port> and esplane.io/dp-routes.<port>',
		'node gw-1, annotation esplane.io/dp-routes.lan: route.via: 2001:db8::1 is not of 10.4.0.0/16\'s address family',
		'node gw-1, annotation esplane.io/dp-routes.wan: route: "0.0.0.0/0 through 192.0.2.1" is neither "DST" nor "DST via GATEWAY"',
	]);
	t.deepEqual(bad.applied, []);
	// what worked before stays: the previous merge for wan, the file for lan (it had no annotation before)
	t.deepEqual(bad.config, good);
	// at the first merge there is no previous one: the file's values
	t.deepEqual(nodePortsConfig(file, { 'esplane.io/dp-addresses.wan': 'nonsense' }, 'gw-1').config, file);
});
