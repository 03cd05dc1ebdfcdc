// Runs inside a UML guest: the two sites of the demo and the end-to-end tests (gw-a: charon +
// esplane agent; gw-b: stock charon + kernel ESP), a 1,000 packets/s UDP stream host-a →
// host-b, and REKEYS forced CHILD SA rekeys over VICI, REKEY_SPACING_MS apart. Records the
// stream's send and arrival times per packet, when each rekey was asked for and which
// outbound SPIs were seen; rekey-gap.bench.ts does the arithmetic.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, sleep } from '../../test/e2e/guest.js';

const rekeys = Number(process.env['REKEYS'] ?? 5);
const spacingMs = Number(process.env['REKEY_SPACING_MS'] ?? 3000);
/** a stretch of stream before the first rekey, measured the same way as a baseline */
const leadMs = 3500;
const pps = 1000;
const stream = join(process.cwd(), 'bench/compare/udp-stream.ts');

/** Waits until a log file has a line; node takes seconds to start in a guest on a busy host. */
async function waitFor(file: string, line: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(existsSync(file) && readFileSync(file, 'utf8').includes(line))) {
		if (Date.now() > deadline) throw new Error(`no "${line}" in ${file} after ${timeoutMs} ms`);
		await sleep(50);
	}
}

await scenario('rekey-gap', {}, async (sites, facts) => {
	const [up] = await sites.waitEstablished(1);
	const seconds = (leadMs + rekeys * spacingMs + 1000) / 1000;
	const recvOut = `${sites.o.work}/recv.json`, sendOut = `${sites.o.work}/send.json`;
	const recvLog = `${sites.o.work}/recv.log`, sendLog = `${sites.o.work}/send.log`;
	const receiver = sites.spawnIn('hb', ['node', '--import', 'tsx', stream, 'recv', '10.2.0.2', '5201', '600', recvOut], recvLog);
	const received = new Promise<void>(r => receiver.once('exit', () => r()));
	await waitFor(recvLog, 'bound');
	const sender = sites.spawnIn('ha', ['node', '--import', 'tsx', stream, 'send', '10.2.0.2', '5201', String(pps), String(seconds), sendOut], sendLog);
	const sent = new Promise<number | null>(r => sender.once('exit', code => r(code)));
	await waitFor(sendLog, 'sending');
	const seen = new Set<string>([up!.spiOut ?? ''].filter(Boolean));
	const spiOut = async () => (await sites.sas()).filter(s => s.dir === 'out').map(s => s.spi);
	await sleep(leadMs);
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
