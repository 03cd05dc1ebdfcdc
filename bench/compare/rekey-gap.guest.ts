// Runs inside a UML guest: the two sites of the demo and the end-to-end tests (gw-a: charon +
// esplane agent; gw-b: stock charon + kernel ESP), a 1,000 packets/s UDP stream host-a →
// host-b, and REKEYS forced CHILD SA rekeys over VICI, REKEY_SPACING_MS apart. Records the
// stream's send and arrival times per packet, when each rekey was asked for and which
// outbound SPIs were seen, and what the IPsec paths counted as drops meanwhile;
// rekey-gap.bench.ts does the arithmetic.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsView } from '../../operator/agent/control-api.js';
import { callAgent } from '../../operator/cli/control-client.js';
import type { TwoSites } from '../../operator/demo/sites.js';
import { scenario, sleep } from '../../test/e2e/guest.js';

const rekeys = Number(process.env['REKEYS'] ?? 5);
const spacingMs = Number(process.env['REKEY_SPACING_MS'] ?? 3000);
/** a stretch of stream before the first rekey, measured the same way as a baseline */
const leadMs = 3500;
const pps = 1000;
const stream = join(process.cwd(), 'bench/compare/udp-stream.ts');

/** Waits until a log file has a line; node takes seconds to start in a guest on a busy host. */
async function waitFor(file: string, line: string, timeoutMs = 180_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(existsSync(file) && readFileSync(file, 'utf8').includes(line))) {
		if (Date.now() > deadline) throw new Error(`no "${line}" in ${file} after ${timeoutMs} ms: ${existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '(no file)'}`);
		await sleep(50);
	}
}

/**
 * What the IPsec paths count as dropped: both gateways' kernel XFRM error counters, summed
 * per name, and in dpdk mode gw-a's dataplane drops by reason (`dp.` names).
 */
async function ipsecDrops(sites: TwoSites): Promise<Record<string, number>> {
	const sum: Record<string, number> = {};
	for (const ns of ['ga', 'gb'] as const) {
		for (const m of sites.exec(ns, ['cat', '/proc/net/xfrm_stat']).matchAll(/^(\w+)\s+(\d+)$/gm)) sum[m[1]!] = (sum[m[1]!] ?? 0) + Number(m[2]);
	}
	if (sites.o.dataplane === 'dpdk') {
		const stats = (await callAgent('stats', {}, sites.socket)) as StatsView;
		for (const [reason, n] of Object.entries(stats.drops)) sum[`dp.${reason}`] = Number(n);
	}
	return sum;
}

// The guest's own limits (global in its kernel, never the host's): socket buffers as large as
// udp-stream.ts asks for, and a deeper backlog, so a starved CPU delays the stream rather
// than dropping it at the ends; what is lost is then lost around the SAs.
execFileSync('sysctl', ['-qw', 'net.core.rmem_max=8388608', 'net.core.wmem_max=8388608', 'net.core.netdev_max_backlog=10000']);

await scenario('rekey-gap', {}, async (sites, facts) => {
	const [up] = await sites.waitEstablished(1);
	const recvOut = `${sites.o.work}/recv.json`, sendOut = `${sites.o.work}/send.json`;
	const recvLog = `${sites.o.work}/recv.log`, sendLog = `${sites.o.work}/send.log`;
	const receiver = sites.spawnIn('hb', ['node', '--import', 'tsx', stream, 'recv', '10.2.0.2', '5201', '600', recvOut], recvLog);
	const received = new Promise<void>(r => receiver.once('exit', () => r()));
	await waitFor(recvLog, 'bound');
	const sender = sites.spawnIn('ha', ['node', '--import', 'tsx', stream, 'send', '10.2.0.2', '5201', String(pps), '600', sendOut], sendLog);
	const sent = new Promise<number | null>(r => sender.once('exit', code => r(code)));
	await waitFor(sendLog, 'sending');
	const seen = new Set<string>([up!.spiOut ?? ''].filter(Boolean));
	const spiOut = async () => (await sites.sas()).filter(s => s.dir === 'out').map(s => s.spi);
	await sleep(leadMs);
	const dropsBefore = await ipsecDrops(sites);
	const rekeyAt: number[] = [];
	for (let k = 0; k < rekeys; k++) {
		rekeyAt.push(performance.timeOrigin + performance.now());
		execFileSync('swanctl', ['--rekey', '--child', 'default/site-b', '--uri', `unix://${sites.gwa!.vici}`], { stdio: 'ignore' });
		const next = Date.now() + spacingMs;
		while (Date.now() < next) {
			for (const spi of await spiOut()) seen.add(spi);
			await sleep(200);
		}
	}
	// Rekeys can run late on a busy guest: the stream runs until the last window has passed.
	await sleep(1000);
	const dropsAfter = await ipsecDrops(sites);
	facts['ipsecDrops'] = Object.fromEntries(Object.entries(dropsAfter).map(([k, v]) => [k, v - (dropsBefore[k] ?? 0)]).filter(([, v]) => v !== 0));
	sender.kill('SIGTERM'); // `sh -c exec ip netns exec … node`: the pid is the sender's own
	const code = await sent;
	if (code !== 0) throw new Error(`the sender exited ${String(code)}: ${readFileSync(`${sites.o.work}/send.log`, 'utf8')}`);
	await sleep(1000);
	receiver.kill('SIGTERM'); // `sh -c exec ip netns exec … node`: the pid is the receiver's own
	await received;
	facts['pps'] = pps;
	facts['leadMs'] = leadMs;
	facts['rekeyAt'] = rekeyAt;
	facts['outboundSpis'] = [...seen];
	facts['sendTimes'] = (JSON.parse(readFileSync(sendOut, 'utf8')) as { sendTimes: number[] }).sendTimes;
	facts['arrivals'] = (JSON.parse(readFileSync(recvOut, 'utf8')) as { arrivals: Array<[number, number]> }).arrivals;
});
