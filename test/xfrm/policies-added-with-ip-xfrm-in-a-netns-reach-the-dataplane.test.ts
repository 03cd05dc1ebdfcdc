// Real netlink on the host kernel (XFRM policies work there, ESP SAs do not): a network
// namespace of our own, the agent's mirror inside it, `ip xfrm policy` outside.
//
//   [ netns espxf<pid> ]  ip xfrm policy add/update/delete/flush
//        │ NETLINK_XFRM events + dumps
//   guest-agent.ts: XfrmMirror ──► FakeDataplane ──► {"state"} on stdout
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { AgentProcess } from './agent-process.js';

const ns = `espxf${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface State { spd: { in: Array<Record<string, unknown>>; out: Array<Record<string, unknown>> }; unprogrammable: unknown[] }

test.before(() => { execFileSync('ip', ['netns', 'add', ns]); });
test.after.always(() => { try { execFileSync('ip', ['netns', 'del', ns]); } catch { /* already gone */ } });

test('policies follow ip xfrm policy add, update, delete and flush; the start-up dump sees earlier ones', async t => {
	// One policy exists before the agent starts: only the dump can show it.
	ip('xfrm', 'policy', 'add', 'src', '10.9.0.0/16', 'dst', '0.0.0.0/0', 'dir', 'out', 'action', 'block', 'priority', '5');
	const agent = new AgentProcess(['ip', 'netns', 'exec', ns]);
	try {
		t.true((await agent.next()).ready as boolean);
		const state = async () => (await agent.ask({ cmd: 'state' }))['state'] as State;
		const until = async (ok: (s: State) => boolean) => {
			for (let i = 0; i < 50; i++) { const s = await state(); if (ok(s)) return s; await new Promise(r => setTimeout(r, 50)); }
			return state();
		};
		t.deepEqual((await state()).spd.out, [{ dir: 'out', src: '10.9.0.0/16', dst: '0.0.0.0/0', proto: 'any', action: 'discard', priority: 5 }]);

		ip('xfrm', 'policy', 'add', 'src', '10.1.0.0/24', 'dst', '10.2.0.0/24', 'dir', 'out', 'priority', '100', 'tmpl', 'src', '192.0.2.1', 'dst', '192.0.2.2', 'proto', 'esp', 'reqid', '7', 'mode', 'tunnel');
		ip('xfrm', 'policy', 'add', 'src', '10.2.0.0/24', 'dst', '10.1.0.0/24', 'dir', 'fwd', 'priority', '100', 'tmpl', 'src', '192.0.2.2', 'dst', '192.0.2.1', 'proto', 'esp', 'reqid', '7', 'mode', 'tunnel');
		ip('xfrm', 'policy', 'add', 'src', '10.2.0.0/24', 'dst', '10.1.0.0/24', 'dir', 'in', 'priority', '100', 'tmpl', 'src', '192.0.2.2', 'dst', '192.0.2.1', 'proto', 'esp', 'reqid', '7', 'mode', 'tunnel');
		ip('xfrm', 'policy', 'add', 'src', '10.1.0.5/32', 'dst', '10.2.0.0/24', 'proto', 'udp', 'dport', '53', 'dir', 'out', 'priority', '50');
		ip('xfrm', 'policy', 'add', 'src', '2001:db8:1::/64', 'dst', '2001:db8:2::/64', 'dir', 'out', 'priority', '200', 'tmpl', 'src', '2001:db8::1', 'dst', '2001:db8::2', 'proto', 'esp', 'reqid', '8', 'mode', 'tunnel');
		// A transport-mode template cannot be mirrored: reported, not installed.
		ip('xfrm', 'policy', 'add', 'src', '10.3.0.1/32', 'dst', '10.4.0.1/32', 'dir', 'out', 'tmpl', 'proto', 'esp', 'mode', 'transport');
		let s = await until(x => x.spd.out.length === 4 && x.spd.in.length === 1);
		t.deepEqual(s.spd.out, [
			{ dir: 'out', src: '10.9.0.0/16', dst: '0.0.0.0/0', proto: 'any', action: 'discard', priority: 5 },
			{ dir: 'out', src: '10.1.0.5/32', dst: '10.2.0.0/24', proto: 'udp', dport: 53, action: 'bypass', priority: 50 },
			// protect with no SA yet, by reqid: the dataplane drops until an SA of it arrives, never sends in clear
			{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 'any', action: 'protect', priority: 100, reqid: 7 },
			{ dir: 'out', src: '2001:db8:1::/64', dst: '2001:db8:2::/64', proto: 'any', action: 'protect', priority: 200, reqid: 8 },
		]);
		t.deepEqual(s.spd.in, [{ dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', proto: 'any', action: 'protect', priority: 100, reqid: 7 }], 'in and fwd collapse into one inbound entry');
		t.regex(JSON.stringify(s.unprogrammable), /template mode 0 is not tunnel/);

		ip('xfrm', 'policy', 'update', 'src', '10.1.0.5/32', 'dst', '10.2.0.0/24', 'proto', 'udp', 'dport', '53', 'dir', 'out', 'priority', '60', 'action', 'block');
		s = await until(x => x.spd.out.some(p => p['priority'] === 60));
		t.like(s.spd.out[1], { action: 'discard', priority: 60 });

		ip('xfrm', 'policy', 'delete', 'src', '10.9.0.0/16', 'dst', '0.0.0.0/0', 'dir', 'out');
		s = await until(x => x.spd.out.length === 3);
		t.false(s.spd.out.some(p => p['src'] === '10.9.0.0/16'));

		ip('xfrm', 'policy', 'flush');
		s = await until(x => x.spd.out.length === 0 && x.spd.in.length === 0);
		t.deepEqual(s.spd, { in: [], out: [] });
		t.deepEqual(s.unprogrammable, []);
	} finally {
		await agent.kill();
	}
});
