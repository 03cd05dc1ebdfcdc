// The outbound side of trace and capture: packets from the lan are decided by the outbound
// SPD — protected by SA 0x100 and sent on wan (a full-size one in fragments), discarded by
// policy, or dropped for having no policy — and `capture --point before-encrypt` holds the
// clear packets the SA took, wan-out their ESP.
import { join } from 'node:path';
import test from 'ava';
import type { TraceResult } from '../../operator/agent/control-api.js';
import { nodeCommands } from '../../operator/cli/node-commands.js';
import { captureIo, startSite } from './capture-helpers.js';
import { run, scratch } from './harness.js';

test('lan packets: trace names the outbound policy and SA or the drop; before-encrypt and wan-out captures', async t => {
	const { dir, remove } = scratch('lantrace');
	t.teardown(remove);
	const site = await startSite(dir, { lan: true });
	t.teardown(() => site.close());

	const io = captureIo();
	t.is(await nodeCommands['trace']!.run(['60', '-o', 'json', '--socket', site.socket], io), 0, io.stderr);
	const lan = (JSON.parse(io.stdout) as TraceResult).traces.filter(x => x.in === 'lan');
	t.true(lan.length >= 12, `${lan.length} lan packets among 60`);
	const to = (dst: string) => lan.filter(x => x.dst === dst);
	for (const x of to('10.2.0.1')) t.like(x, { class: 'lan', src: '10.1.0.1', proto: 17, sport: 6000, dport: 6001, spi: '0x00000100', policy: 'out#0 10.1.0.0/16 -> 10.2.0.0/16 protect 0x100', result: 'forwarded', out: 'wan' });
	for (const x of to('10.3.0.1')) t.like(x, { class: 'lan', spi: null, policy: 'out#1 10.1.0.0/16 -> 10.3.0.0/16 discard', result: 'dropped', drop: 'policy_discard' });
	for (const x of to('10.9.0.1')) t.like(x, { class: 'lan', spi: null, policy: null, result: 'dropped', drop: 'no_policy' });
	// fragmented before encryption: the decision follows the fragments out
	for (const x of to('10.2.0.2')) t.like(x, { class: 'lan', len: 1514, spi: '0x00000100', result: 'forwarded', out: 'wan' });
	t.true(to('10.2.0.1').length > 0 && to('10.3.0.1').length > 0 && to('10.9.0.1').length > 0 && to('10.2.0.2').length > 0);

	const clear = join(dir, 'clear.pcap');
	const c1 = captureIo();
	t.is(await nodeCommands['capture']!.run(['--point', 'before-encrypt', '--spi', '0x100', '--count', '3', '-w', clear, '--socket', site.socket], c1), 0, c1.stderr);
	const r1 = await run('tcpdump', ['-nn', '-r', clear]);
	const clearLines = r1.stdout.trim().split('\n');
	t.is(clearLines.length, 3);
	// the clear packets as the SA takes them: the full-size one whole (it is fragmented on the way to ESP)
	for (const l of clearLines) t.regex(l, /IP 10\.1\.0\.1\.6000 > 10\.2\.0\.(1\.6001: UDP, length 3|2\.6001: UDP, length 1472)$/);

	const esp = join(dir, 'esp.pcap');
	const c2 = captureIo();
	t.is(await nodeCommands['capture']!.run(['--point', 'wan-out', '--count', '3', '-w', esp, '--socket', site.socket], c2), 0, c2.stderr);
	const r2 = await run('tcpdump', ['-nn', '-r', esp]);
	const lines = r2.stdout.trim().split('\n');
	t.is(lines.length, 3);
	for (const l of lines) t.regex(l, /IP 192\.0\.2\.1 > 192\.0\.2\.2: ESP\(spi=0x00000100,seq=0x[0-9a-f]+\)/);
});
