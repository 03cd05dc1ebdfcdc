// Runs inside a UML guest: the agent's XFRM side is started, traffic is played through the
// (fake) dataplane, counters are written back, more traffic is sent and NOT written back,
// and the agent is killed with SIGKILL and started again. Results into $OUT/restart.json:
// what the dataplane held and counted, and what `ip -s xfrm state` showed, at each step.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess } from './agent-process.js';

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const k = (b: string, n: number) => `0x${b.repeat(n)}`;
sh('ip addr add 192.0.2.1/32 dev lo');
const batch = [
	`xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x5001 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' ${k('51', 20)} 128`,
	`xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x5002 reqid 2 mode tunnel aead 'rfc4106(gcm(aes))' ${k('52', 36)} 128 flag esn replay-window 128`,
	`xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x5003 reqid 1 mode tunnel enc 'cbc(aes)' ${k('53', 16)} auth-trunc 'hmac(sha1)' ${k('5a', 20)} 96 replay-window 32`,
	`xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x5004 reqid 2 mode tunnel aead 'rfc4106(gcm(aes))' ${k('54', 20)} 128 flag esn replay-window 128`,
	'xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 1 mode tunnel',
	'xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir fwd tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel',
];
writeFileSync('/tmp/espxf-batch', batch.join('\n') + '\n');
sh('ip -b /tmp/espxf-batch');

const out = '192.0.2.2', inb = '192.0.2.1';
const r: Record<string, unknown> = {};
// Write-backs only when asked, so the traffic after the last one really is unknown to the kernel.
const a1 = new AgentProcess([], { WRITEBACK_MS: '3600000' });
r['ready1'] = await a1.next();
r['state1'] = (await a1.ask({ cmd: 'state' }))['state'];
await a1.ask({ cmd: 'traffic', spi: '0x5001', dir: 'out', dst: out, packets: 1000, size: 100 });
await a1.ask({ cmd: 'traffic', spi: '0x5002', dir: 'out', dst: out, packets: 300, size: 1400 });
await a1.ask({ cmd: 'traffic', spi: '0x5003', dir: 'in', dst: inb, packets: 40, size: 1500 });
await a1.ask({ cmd: 'traffic', spi: '0x5004', dir: 'in', dst: inb, packets: 20, size: 200 });
r['writeback1'] = await a1.ask({ cmd: 'writeback' });
r['counters1'] = ((await a1.ask({ cmd: 'state' }))['state'] as { counters: unknown })['counters'];
r['ipStats1'] = sh('ip -s xfrm state');
// Traffic after the last write-back: the kernel never hears of it before the crash.
await a1.ask({ cmd: 'traffic', spi: '0x5001', dir: 'out', dst: out, packets: 500, size: 100 });
await a1.ask({ cmd: 'traffic', spi: '0x5002', dir: 'out', dst: out, packets: 70, size: 1400 });
r['countersAtKill'] = ((await a1.ask({ cmd: 'state' }))['state'] as { counters: unknown })['counters'];
await a1.kill('SIGKILL');
r['killedBy'] = a1.child.signalCode;

const a2 = new AgentProcess([], { WRITEBACK_MS: '3600000' });
r['ready2'] = await a2.next();
r['state2'] = (await a2.ask({ cmd: 'state' }))['state'];
r['ipStats2'] = sh('ip -s xfrm state');
await a2.kill();
r['stderr'] = a1.stderr + a2.stderr;
writeFileSync(join(process.env['OUT'] ?? '.', 'restart.json'), JSON.stringify(r, null, 1));
