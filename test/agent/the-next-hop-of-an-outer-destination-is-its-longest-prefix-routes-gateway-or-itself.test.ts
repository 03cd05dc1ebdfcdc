import test from 'ava';
import { nextHopOf } from '../../operator/agent/next-hop.js';

const routes = [
	{ dst: '0.0.0.0/0', port: 'wan', via: '198.51.100.1' },
	{ dst: '192.0.2.0/24', port: 'wan' },
	{ dst: '192.0.2.128/25', port: 'wan', via: '192.0.2.254' },
	{ dst: '10.1.0.0/24', port: 'lan' },
	{ dst: '2001:db8::/32', port: 'wan', via: 'fe80::1' },
	{ dst: '2001:db8:0:1::/64', port: 'wan' },
];

test('a connected destination is its own next hop, a routed one its gateway, the longest prefix wins', t => {
	t.deepEqual(nextHopOf('192.0.2.2', routes), { ip: '192.0.2.2', port: 'wan' });
	t.deepEqual(nextHopOf('192.0.2.200', routes), { ip: '192.0.2.254', port: 'wan' });
	t.deepEqual(nextHopOf('203.0.113.9', routes), { ip: '198.51.100.1', port: 'wan' });
	t.deepEqual(nextHopOf('10.1.0.7', routes), { ip: '10.1.0.7', port: 'lan' });
	t.deepEqual(nextHopOf('2001:db8:0:1::5', routes), { ip: '2001:db8:0:1::5', port: 'wan' });
	t.deepEqual(nextHopOf('2001:db8:ffff::1', routes), { ip: 'fe80::1', port: 'wan' });
	t.deepEqual(nextHopOf('::ffff:192.0.2.2', routes), undefined, 'an IPv6 address never matches an IPv4 route');
	t.is(nextHopOf('not-an-address', routes), undefined);
	t.is(nextHopOf('192.0.2.2', routes.filter(r => r.port === 'lan')), undefined);
});
