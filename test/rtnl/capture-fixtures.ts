// Regenerates fixtures/rtnetlink-messages.json: real messages from this kernel (dumps and
// notifications of links, neighbours and routes, IPv4 and IPv6), as hex, for the codec
// round-trip and fuzz tests. Run as root: node --import tsx test/rtnl/capture-fixtures.ts
import { writeFileSync } from 'node:fs';
import { NLM_F_DUMP, RTM_GETLINK, RTM_GETNEIGH, RTM_GETROUTE } from '../../operator/rtnl/codec/constants.js';
import { buildMessage } from '../../operator/rtnl/codec/netlink.js';
import type { NlMessage } from '../../operator/rtnl/codec/netlink.js';
import { Rtnl } from '../../operator/rtnl/rtnl.js';
import { twoNamespaces } from './topology.js';

const raw = (m: NlMessage): string => Buffer.from(m.payload.buffer, m.payload.byteOffset - 16, m.payload.length + 16).toString('hex');

const topo = twoNamespaces();
const rtnl = new Rtnl({ netns: topo.a.name });
const out: { what: string; type: number; hex: string }[] = [];
try {
	const events: NlMessage[] = [];
	rtnl.socket.onMessage((m) => events.push(m));
	topo.a.batch([
		'neigh add 192.0.2.7 dev esp-wan0 lladdr 02:00:00:00:00:07 nud permanent',
		'neigh add 2001:db8::7 dev esp-wan0 lladdr 02:00:00:00:06:07 nud stale',
		'neigh replace 192.0.2.8 dev esp-wan0 nud incomplete',
		'route add default via 192.0.2.254',
		'route add ::/0 via 2001:db8::fe dev esp-wan0 metric 7',
		'route add 203.0.113.0/24 via 192.0.2.2 table 100',
		'neigh del 192.0.2.7 dev esp-wan0',
		'route del 203.0.113.0/24 table 100',
	]);
	topo.a.exec('ping', ['-c', '1', '-W', '2', '192.0.2.2']);
	for (const [what, type] of [['link dump', RTM_GETLINK], ['neighbour dump', RTM_GETNEIGH], ['route dump', RTM_GETROUTE]] as const) {
		const reply = await rtnl.socket.request(type, NLM_F_DUMP, (h) => buildMessage(h, Buffer.alloc(type === RTM_GETLINK ? 16 : 12)));
		for (const m of reply.messages) out.push({ what, type: m.type, hex: raw(m) });
	}
	await new Promise((r) => setTimeout(r, 200));
	for (const m of events) out.push({ what: 'notification', type: m.type, hex: raw(m) });
} finally {
	rtnl.close();
	topo.close();
}
writeFileSync(new URL('./fixtures/rtnetlink-messages.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.length} messages captured`);
