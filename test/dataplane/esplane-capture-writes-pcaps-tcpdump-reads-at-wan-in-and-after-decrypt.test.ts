// `esplane capture` against the dataplane decrypting real ESP (Scapy's): at wan-in the pcap
// holds the ESP frames of the chosen SPI, after-decrypt the inner packets byte for byte, and
// tcpdump reads both.
import { join } from 'node:path';
import test from 'ava';
import { nodeCommands } from '../../operator/cli/node-commands.js';
import { captureIo, startSite } from './capture-helpers.js';
import { pcapFrames, run, scratch } from './harness.js';

test('capture at wan-in and after-decrypt yields pcaps of the ESP and of the inner packets', async t => {
	const { dir, remove } = scratch('capture');
	t.teardown(remove);
	const site = await startSite(dir);
	t.teardown(() => site.close());

	const wanPcap = join(dir, 'wan.pcap');
	const io = captureIo();
	t.is(await nodeCommands['capture']!.run(['--point', 'wan-in', '--spi', '0x200', '--count', '8', '-w', wanPcap, '--socket', site.socket], io), 0, io.stderr);
	t.regex(io.stderr, /8 packets captured at wan-in/);
	const wan = await run('tcpdump', ['-nn', '-r', wanPcap]);
	t.is(wan.code, 0, wan.stderr);
	const wanLines = wan.stdout.trim().split('\n');
	t.is(wanLines.length, 8);
	for (const line of wanLines) t.regex(line, /IP 192\.0\.2\.2 > 192\.0\.2\.1: ESP\(spi=0x00000200,seq=0x[1-4]\)/);

	const innerPcap = join(dir, 'inner.pcap');
	const io2 = captureIo();
	t.is(await nodeCommands['capture']!.run(['--point', 'after-decrypt', '--count', '8', '-w', innerPcap, '--socket', site.socket], io2), 0, io2.stderr);
	const inner = await run('tcpdump', ['-nn', '-r', innerPcap]);
	t.is(inner.code, 0, inner.stderr);
	const innerLines = inner.stdout.trim().split('\n');
	t.is(innerLines.length, 8);
	for (const line of innerLines) t.regex(line, /IP 10\.2\.0\.1\.400([1-4]) > 10\.1\.0\.1\.500\1: UDP, length 9/);
	// the inner packets are exactly what Scapy encrypted, behind an Ethernet header
	for (const frame of pcapFrames(innerPcap)) {
		t.is(frame.readUInt16BE(12), 0x0800);
		t.true(site.inner.includes(frame.subarray(14).toString('hex')));
	}
});
