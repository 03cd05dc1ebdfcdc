// Runs inside a UML guest (kernel with ESP): SAs of the matrix added with `ip xfrm`, the
// agent's mirror in its own process, results as JSON into $OUT/sa-scenario.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess } from './agent-process.js';
import { SA_MATRIX } from './sa-matrix.js';

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
sh('ip addr add 192.0.2.1/32 dev lo && ip -6 addr add 2001:db8::1/128 dev lo nodad');

const result: Record<string, unknown> = { addErrors: {} };
// Half of the SAs exist before the agent starts (the dump), half arrive as events.
const half = Math.floor(SA_MATRIX.length / 2);
const add = (i: number) => {
	try { sh(`ip xfrm state add ${SA_MATRIX[i]!.args}`); } catch (e) { (result['addErrors'] as Record<string, string>)[i] = String((e as { stderr?: Buffer }).stderr); }
};
for (let i = 0; i < half; i++) add(i);
// Policies charon would install for reqid 1, plus a block and a port bypass.
sh(`ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel
	ip xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir fwd priority 100 tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
	ip xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in priority 100 tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
	ip xfrm policy add src 10.9.0.0/16 dst 0.0.0.0/0 dir out priority 5 action block
	ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 proto udp dport 53 dir out priority 50`.replace(/\n\t/g, ' && '));
const agent = new AgentProcess();
result['ready'] = await agent.next();
for (let i = half; i < SA_MATRIX.length; i++) add(i);
interface Seen { sas: unknown[]; unprogrammable: Array<{ what: string }> }
const state = async () => (await agent.ask({ cmd: 'state' }))['state'] as Seen;
// Wait for the whole expected state, not just the SA count: the three deletes are three
// events, and the SA count can be right before the last one (0x4001, unprogrammable) is read.
const until = async (ok: (s: Seen) => boolean) => {
	for (let i = 0; i < 100; i++) { const s = await state(); if (ok(s)) return s; await new Promise(r => setTimeout(r, 50)); }
	return state();
};
const programmable = SA_MATRIX.filter(m => !('reason' in m.expect)).length;
const unprogrammable = SA_MATRIX.length - programmable;
result['afterAdd'] = await until(s => s.sas.length >= programmable && s.unprogrammable.filter(u => u.what.startsWith('sa ')).length >= unprogrammable);
sh('ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001');
sh('ip xfrm state delete src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2002');
sh('ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4001');
result['afterDelete'] = await until(s => s.sas.length === programmable - 2 && !s.unprogrammable.some(u => u.what.startsWith('sa 0x4001 ')));
sh('ip xfrm state flush');
result['afterFlush'] = await until(s => s.sas.length === 0 && s.unprogrammable.length === 0);
await agent.kill();
result['agentStderr'] = agent.stderr;
writeFileSync(join(process.env['OUT'] ?? '.', 'sa-scenario.json'), JSON.stringify(result, null, 1));
