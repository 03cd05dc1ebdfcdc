// Shared by the capture and trace tests: the dataplane in this process, decrypting what
// Scapy encrypted (esp_capture.py) and replaying it forever, with a control socket that
// serves capture.* and trace the way the agent does in dpdk mode.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCaptureMethods } from '../../operator/agent/capture-methods.js';
import { ControlServer } from '../../operator/agent/control-socket.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import type { CliIo } from '../../operator/cli/node-commands.js';
import { ealArgs, helpers, python, run } from './harness.js';

/** the SA key of esp_capture.py (AES-GCM-128 + salt) */
export const KEY = `0x${'a5'.repeat(16)}01020304` as const;

export interface Site {
	dp: KoffiDataplane;
	dir: string;
	socket: string;
	/** hex of the inner packets Scapy encrypted */
	inner: string[];
	close: () => Promise<void>;
}

/** {scratch dir} => wan (port 0) replays Scapy's ESP forever, lan (port 1) sinks; SA 0x200 in, its
 * policy, a route. With lan, port 1 replays lan_in.pcap forever too, SA 0x100 out, and the
 * outbound SPD protects 10.2/16 and discards 10.3/16 (10.9/16 has no policy). With exception,
 * the wan port has an exception TAP of that name (run inside a network namespace). */
export async function startSite(dir: string, opts: { lan?: boolean; exception?: string } = {}): Promise<Site> {
	const gen = await run(python, [join(helpers, 'esp_capture.py'), 'gen', dir]);
	if (gen.code !== 0) throw new Error(`esp_capture.py: ${gen.stderr}`);
	const dp = KoffiDataplane.start({
		eal: ealArgs([`net_pcap0,rx_pcap=${join(dir, 'wan_in.pcap')},infinite_rx=1`,
			opts.lan ? `net_pcap1,rx_pcap=${join(dir, 'lan_in.pcap')},infinite_rx=1` : 'net_null1,no-rx=1']),
		logPath: join(dir, 'dp.log'),
	});
	dp.addPort({ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'], ...(opts.exception ? { exception: opts.exception } : {}) });
	dp.addPort({ name: 'lan', port: 1, role: 'lan', addresses: ['10.1.255.254/16'] });
	// one table (each LPM table is 64 MiB of the 256 the tests give EAL)
	dp.replaceRoutes([{ dst: '10.1.0.0/16', port: 'lan' }, { dst: '192.0.2.0/24', port: 'wan' }],
		[{ ip: '10.1.0.1', mac: '02:00:00:00:01:01', port: 'lan' }, { ip: '192.0.2.2', mac: '02:00:00:00:00:02', port: 'wan' }]);
	// infinite_rx replays the same sequence numbers: the replay window is off, as in the ESP benchmark
	dp.putSa({ spi: '0x200', dir: 'in', mode: 'tunnel', src: '192.0.2.2', dst: '192.0.2.1', replayWindow: 0, aead: { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 } });
	dp.replacePolicies('in', [{ dir: 'in', src: '10.2.0.0/16', dst: '10.1.0.0/16', action: 'protect', spi: '0x200' }]);
	if (opts.lan) {
		dp.putSa({ spi: '0x100', dir: 'out', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', aead: { name: 'rfc4106(gcm(aes))', key: KEY, icvBits: 128 } });
		dp.replacePolicies('out', [
			{ dir: 'out', src: '10.1.0.0/16', dst: '10.2.0.0/16', action: 'protect', spi: '0x100' },
			{ dir: 'out', src: '10.1.0.0/16', dst: '10.3.0.0/16', action: 'discard' },
		]);
	}
	const sockDir = mkdtempSync(join(tmpdir(), 'esplane-cap-'));
	const socket = join(sockDir, 'agent.sock');
	const names = ['wan', 'lan'];
	const server = registerCaptureMethods(new ControlServer(), {
		portName: id => names[id] ?? String(id),
		dropNames: () => KoffiDataplane.dropNames(),
		policies: d => dp.appliedPolicies(d),
	});
	await server.listen(socket);
	dp.run();
	return {
		dp, dir, socket, inner: JSON.parse(readFileSync(join(dir, 'inner.json'), 'utf8')) as string[],
		close: async () => {
			await server.close();
			dp.shutdown();
		},
	};
}

export function captureIo(): CliIo & { stdout: string; stderr: string } {
	const io = { stdout: '', stderr: '', out: (s: string) => { io.stdout += s; }, err: (s: string) => { io.stderr += s; } };
	return io;
}
