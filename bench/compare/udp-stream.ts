// A steady UDP stream with sequence numbers, for measuring traffic gaps (rekey-gap.guest.ts).
//
//   node udp-stream.ts send DST PORT PPS SECONDS OUT.json   → {sendTimes: [ms per seq]} (on SIGTERM or after SECONDS)
//   node udp-stream.ts recv BIND PORT SECONDS OUT.json      → {arrivals: [[seq, ms], …]} (on SIGTERM or after SECONDS)
//
// Times are Date.now()-based milliseconds with sub-millisecond precision, so a sender and a
// receiver on the same kernel (two namespaces of one guest) share a clock. Each prints one
// line when it is ready ("bound", "sending"). The sender paces
// itself by catching up to PPS × elapsed, so a late timer sends a short burst rather than
// thinning the stream; each packet's real send time is recorded.
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';

const now = () => performance.timeOrigin + performance.now();
// Large socket buffers: a starved one-CPU guest then delays packets instead of dropping them
// at either end, so what is lost is lost on the path.
const buffers = { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };
const [mode, addr, portText, ...rest] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'send') {
	const [ppsText, secondsText, out] = rest;
	const pps = Number(ppsText), total = Math.round(pps * Number(secondsText));
	const sock = createSocket({ type: 'udp4', ...buffers });
	sock.connect(port, addr);
	await new Promise<void>(r => sock.once('connect', () => r()));
	const sendTimes: number[] = [];
	const t0 = now();
	process.stdout.write('sending\n');
	let stopped = false;
	// Ends on SIGTERM (the caller decides when the stream has carried enough) or after SECONDS.
	process.on('SIGTERM', () => { stopped = true; });
	await new Promise<void>(resolve => {
		const tick = () => {
			const due = Math.min(total, Math.floor(((now() - t0) * pps) / 1000) + 1);
			while (!stopped && sendTimes.length < due) {
				const buf = Buffer.alloc(64);
				buf.writeUInt32BE(sendTimes.length, 0);
				sendTimes.push(now());
				// A send error (no route while an SA changes) is a lost packet, not a failure.
				sock.send(buf, () => {});
			}
			if (stopped || sendTimes.length >= total) resolve();
			else setTimeout(tick, 1);
		};
		tick();
	});
	setTimeout(() => {
		sock.close();
		writeFileSync(out!, JSON.stringify({ sendTimes: sendTimes.map(t => Math.round(t * 1000) / 1000) }));
	}, 100);
} else if (mode === 'recv') {
	const [secondsText, out] = rest;
	const arrivals: Array<[number, number]> = [];
	const sock = createSocket({ type: 'udp4', ...buffers });
	sock.on('message', msg => { if (msg.length >= 4) arrivals.push([msg.readUInt32BE(0), Math.round(now() * 1000) / 1000]); });
	sock.bind(port, addr, () => process.stdout.write('bound\n'));
	const finish = () => {
		sock.close();
		writeFileSync(out!, JSON.stringify({ arrivals }));
		process.exit(0);
	};
	// A safety net only: the caller ends the receiver with SIGTERM once the sender is done.
	setTimeout(finish, Number(secondsText) * 1000);
	process.on('SIGTERM', finish);
} else {
	process.stderr.write('usage: udp-stream.ts send DST PORT PPS SECONDS OUT | recv BIND PORT SECONDS OUT\n');
	process.exit(2);
}
