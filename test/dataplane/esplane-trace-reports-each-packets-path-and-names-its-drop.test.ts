// `esplane trace N` against the dataplane decrypting Scapy's ESP: of the six packets the peer
// keeps sending, the four of SA 0x200 are decrypted, matched by the inbound policy and sent to
// lan; the one of an unknown SPI and the plain UDP datagram end in drops named from the table.
import test from 'ava';
import type { TraceResult } from '../../operator/agent/control-api.js';
import { nodeCommands } from '../../operator/cli/node-commands.js';
import { captureIo, startSite } from './capture-helpers.js';
import { scratch } from './harness.js';

test('trace N reports port, class, SA, policy and result of the next N packets, drops by name', async t => {
	const { dir, remove } = scratch('trace');
	t.teardown(remove);
	const site = await startSite(dir);
	t.teardown(() => site.close());

	const io = captureIo();
	t.is(await nodeCommands['trace']!.run(['12', '-o', 'json', '--socket', site.socket], io), 0, io.stderr);
	const r = JSON.parse(io.stdout) as TraceResult;
	t.is(r.traces.length, 12);
	t.is(r.missing, 0);
	const esp = r.traces.filter(x => x.spi === '0x00000200');
	t.is(esp.length, 8, 'the SA 0x200 packets: two rounds of four');
	for (const x of esp) {
		t.like(x, { in: 'wan', class: 'esp-in', src: '192.0.2.2', dst: '192.0.2.1', proto: 50, result: 'forwarded', out: 'lan', policy: 'in#0 10.2.0.0/16 -> 10.1.0.0/16 protect 0x200' });
	}
	const unknown = r.traces.filter(x => x.drop === 'unknown_spi');
	t.is(unknown.length, 2);
	t.like(unknown[0], { in: 'wan', class: 'esp-in', result: 'dropped', spi: null, policy: null });
	const plain = r.traces.filter(x => x.drop === 'non_esp');
	t.is(plain.length, 2);
	t.like(plain[0], { in: 'wan', class: 'exception', proto: 17, sport: 53, dport: 53, result: 'dropped' });

	const table = captureIo();
	t.is(await nodeCommands['trace']!.run(['6', '--socket', site.socket], table), 0, table.stderr);
	const lines = table.stdout.trimEnd().split('\n');
	t.regex(lines[0]!, /^#\s+IN\s+CLASS\s+SRC\s+DST\s+PROTO\s+LEN\s+SPI\s+POLICY\s+RESULT$/);
	t.is(lines.length, 7);
	t.true(lines.some(l => /wan\s+esp-in\s+192\.0\.2\.2\s+192\.0\.2\.1\s+esp\s+\d+\s+0x00000200\s+in#0 .* -> lan$/.test(l)), table.stdout);
	t.true(lines.some(l => /wan\s+exception\s+192\.0\.2\.2:53\s+192\.0\.2\.1:53\s+udp.*dropped: non_esp$/.test(l)), table.stdout);
	t.true(lines.some(l => /dropped: unknown_spi$/.test(l)), table.stdout);
});
