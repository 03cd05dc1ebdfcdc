// The `ip -b` lines that take the exception TAPs from one ports config to the next (a node's
// annotations changed): addresses gone deleted, new ones added, routes gone deleted, new ones
// replaced — and every route of a TAP whose addresses changed put back, since the kernel drops
// routes through a gateway the lost address reached. Deletions first; ports without a TAP and
// unchanged TAPs get no lines.
import test from 'ava';
import { tapChanges } from '../../operator/agent/exception-path.js';

test('a ports change moves the TAP addresses and puts its routes back', t => {
	const ports = (wan: string[]) => [
		{ name: 'wan', port: 0, role: 'wan' as const, addresses: wan, exception: 'esp-wan0' },
		{ name: 'lan', port: 1, role: 'lan' as const, addresses: ['10.1.0.1/24'], exception: 'esp-lan0' },
		{ name: 'dmz', port: 2, role: 'lan' as const, addresses: ['10.9.0.1/24'] },
	];
	const before = {
		ports: ports(['192.0.2.10/24', '2001:db8::10/64']),
		routes: [
			{ dst: '198.51.100.0/24', port: 'wan', via: '192.0.2.1' },
			{ dst: '203.0.113.0/24', port: 'wan', via: '192.0.2.1' },
			{ dst: '10.3.0.0/16', port: 'lan', via: '10.1.0.254' },
			{ dst: '10.8.0.0/16', port: 'dmz', via: '10.9.0.254' },
		],
	};
	const after = {
		ports: ports(['192.0.2.20/24', '2001:db8::10/64']),
		routes: [
			{ dst: '198.51.100.0/24', port: 'wan', via: '192.0.2.1' },
			{ dst: '10.3.0.0/16', port: 'lan', via: '10.1.0.254' },
			{ dst: '10.4.0.0/16', port: 'lan', via: '10.1.0.254' },
			{ dst: '10.7.0.0/16', port: 'dmz', via: '10.9.0.254' },
		],
	};
	t.deepEqual(tapChanges(before, after), [
		'addr del 192.0.2.10/24 dev esp-wan0',
		'route del 203.0.113.0/24 via 192.0.2.1 dev esp-wan0',
		'addr replace 192.0.2.20/24 dev esp-wan0',
		'route replace 198.51.100.0/24 via 192.0.2.1 dev esp-wan0',
		'route replace 10.4.0.0/16 via 10.1.0.254 dev esp-lan0',
	]);
	t.deepEqual(tapChanges(after, after), [], 'nothing changed, nothing to do');
});
