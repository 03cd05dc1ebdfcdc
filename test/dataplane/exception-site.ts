// Run inside a network namespace by the exception test: the capture site with an exception TAP
// on wan, addressed like the gateway. Prints what `esplane trace` and `esplane capture --point
// wan-out` (while the kernel ARPs for a neighbour through the TAP) answered, as one JSON line.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { nodeCommands } from '../../operator/cli/node-commands.js';
import { captureIo, startSite } from './capture-helpers.js';

const [dir, tap] = process.argv.slice(2) as [string, string];
const site = await startSite(dir, { exception: tap });
try {
	// IPv4 only: no IPv6 autoconfiguration chatter on the TAP
	execFileSync('sysctl', ['-qw', `net.ipv6.conf.${tap}.disable_ipv6=1`]);
	execFileSync('ip', ['addr', 'add', '192.0.2.1/24', 'dev', tap]);
	execFileSync('ip', ['link', 'set', tap, 'up']);
	const trace = captureIo();
	const traceCode = await nodeCommands['trace']!.run(['12', '-o', 'json', '--socket', site.socket], trace);
	// the kernel looks for 192.0.2.77 behind the TAP: its ARP requests leave through the wan port
	const ping = spawn('ping', ['-c', '4', '-i', '0.3', '192.0.2.77'], { stdio: 'ignore' });
	const cap = captureIo();
	const pcap = join(dir, 'wan-out.pcap');
	const capCode = await nodeCommands['capture']!.run(['--point', 'wan-out', '--count', '2', '--duration', '20', '-w', pcap, '--socket', site.socket], cap);
	ping.kill();
	process.stdout.write(JSON.stringify({ traceCode, trace: trace.stdout, traceErr: trace.stderr, capCode, capErr: cap.stderr, pcap }) + '\n');
} finally {
	await site.close();
}
