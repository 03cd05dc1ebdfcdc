// The `ip -b` lines the agent runs for the exception TAPs: each TAP its port's addresses (host
// bits kept), its MTU when the port has one, up; then the ports file's routes on exception
// ports into the kernel (after every link is up, so a gateway is reachable); routes of ports
// without a TAP stay the dataplane's alone.
import test from 'ava';
import { tapCommands } from '../../operator/agent/exception-path.js';

test('each exception TAP gets its port addresses, MTU and the file routes of its port', t => {
	const lines = tapCommands([
		{ name: 'wan', port: 0, role: 'wan', addresses: ['198.51.100.2/24', '2001:db8::2/64'], exception: 'esp-wan0', mtu: 1400 },
		{ name: 'lan', port: 1, role: 'lan', addresses: ['10.1.0.1/24'], exception: 'esp-lan0' },
		{ name: 'dmz', port: 2, role: 'lan', addresses: ['10.9.0.1/24'] },
	], [
		{ dst: '192.0.2.0/24', port: 'wan', via: '198.51.100.1' },
		{ dst: '10.3.0.0/16', port: 'lan' },
		{ dst: '10.8.0.0/16', port: 'dmz', via: '10.9.0.254' },
	]);
	t.deepEqual(lines, [
		'addr replace 198.51.100.2/24 dev esp-wan0',
		'addr replace 2001:db8::2/64 dev esp-wan0',
		'link set dev esp-wan0 mtu 1400 up',
		'addr replace 10.1.0.1/24 dev esp-lan0',
		'link set dev esp-lan0 up',
		'route replace 192.0.2.0/24 via 198.51.100.1 dev esp-wan0',
		'route replace 10.3.0.0/16 dev esp-lan0',
	]);
});
