// Runs inside a UML guest: an outbound SA with soft/hard byte limits; traffic through the
// (fake) dataplane crosses them; the write-back must make the kernel announce the soft
// expiry (what charon rekeys on) and, at the hard limit, delete the SA — which the mirror
// then removes from the dataplane. Results into $OUT/expire.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XFRMNLGRP } from '../../operator/xfrm/codec/constants.js';
import { decodeXfrm } from '../../operator/xfrm/codec/message.js';
import { splitMessages } from '../../operator/xfrm/codec/netlink.js';
import { XfrmSocket } from '../../operator/xfrm/socket.js';
import { AgentProcess } from './agent-process.js';

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
sh('ip addr add 192.0.2.1/32 dev lo');
sh(`ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x6001 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' 0x${'61'.repeat(20)} 128 limit byte-soft 10000 limit byte-hard 20000`);

// What charon would hear: the EXPIRE group.
const listener = new XfrmSocket({ groups: [XFRMNLGRP.EXPIRE] });
const heard = () => listener.receive().datagrams.flatMap(d => splitMessages(d).map(decodeXfrm))
	.flatMap(m => (m.kind === 'expire' ? [{ spi: m.body.state.id.spi, hard: m.body.hard }] : []));

const r: Record<string, unknown> = {};
const a = new AgentProcess([], { WRITEBACK_MS: '3600000' });
await a.next();
const k = { spi: '0x6001', dir: 'out', dst: '192.0.2.2' };
await a.ask({ cmd: 'traffic', ...k, packets: 50, size: 100 });
await a.ask({ cmd: 'writeback' });
r['belowSoft'] = heard();
await a.ask({ cmd: 'traffic', ...k, packets: 60, size: 100 });
await a.ask({ cmd: 'writeback' });
await new Promise(res => setTimeout(res, 100));
r['afterSoft'] = heard();
r['stateAfterSoft'] = sh('ip xfrm state list');
await a.ask({ cmd: 'traffic', ...k, packets: 100, size: 100 });
await a.ask({ cmd: 'writeback' });
await new Promise(res => setTimeout(res, 100));
r['afterHard'] = heard();
r['stateAfterHard'] = sh('ip xfrm state list');
let state: { sas: unknown[] } | undefined;
for (let i = 0; i < 40; i++) {
	state = (await a.ask({ cmd: 'state' }))['state'] as { sas: unknown[] };
	if (state.sas.length === 0) break;
	await new Promise(res => setTimeout(res, 50));
}
r['dataplaneAfterHard'] = state?.sas;
await a.kill();
listener.close();
r['stderr'] = a.stderr;
writeFileSync(join(process.env['OUT'] ?? '.', 'expire.json'), JSON.stringify(r, null, 1));
