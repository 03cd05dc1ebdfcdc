// Topology (operator/demo/two-sites.sh):
//   host-a ─ gw-a [charon + esplane agent] ══ wan ══ gw-b [charon + Linux ESP] ─ host-b
// host-a pings host-b every 50 ms while gw-a's agent is killed with SIGKILL and started
// again. The traffic must resume within 2 s, the IKE SA and CHILD SAs must be the same ones
// (no renegotiation), and gw-b's kernel must count no replayed sequence number. With the dpdk
// dataplane the dataplane host keeps forwarding through the kill and the restarted agent
// adopts its SAs as they are (sequence numbers and counters run on).
import { existsSync, readFileSync } from 'node:fs';
import { scenario, sleep } from './guest.js';
import type { TwoSites } from '../../operator/demo/sites.js';

function peerSas(sites: TwoSites): string {
	// IKE SA unique ids and CHILD SPIs as gw-b's charon sees them.
	return sites.exec('gb', ['swanctl', '--list-sas', '--uri', `unix://${sites.gwb!.vici}`])
		.split('\n').filter(l => /ESTABLISHED|INSTALLED/.test(l)).map(l => l.trim().replace(/, \d+ seconds? ago.*$/, '').replace(/reauth.*$/, '')).join('\n');
}

function replayErrors(sites: TwoSites): number {
	const m = /XfrmInStateSeqError\s+(\d+)/.exec(sites.exec('gb', ['cat', '/proc/net/xfrm_stat']));
	return Number(m?.[1] ?? -1);
}

await scenario('agent-kill', {}, async (sites, facts) => {
	await sites.waitEstablished(1);
	const before = peerSas(sites);
	const replayBefore = replayErrors(sites);
	const log = `${sites.o.work}/ping.log`;
	sites.spawnIn('ha', ['ping', '-D', '-i', '0.05', '-W', '1', '-c', process.env['PING_COUNT'] ?? '160', '10.2.0.2'], log);
	await sleep(2000);
	await sites.stopAgent('SIGKILL');
	const killedAt = Date.now() / 1000;
	await sleep(300);
	sites.startAgent();
	await sites.waitEstablished(1);
	await sleep(6500);
	// Reply times from `ping -D`: the longest silence is the outage the restart caused.
	const replies = readFileSync(log, 'utf8').split('\n').map(l => /^\[(\d+\.\d+)\] \d+ bytes from/.exec(l)?.[1]).filter((x): x is string => !!x).map(Number);
	let gap = 0;
	for (let i = 1; i < replies.length; i++) gap = Math.max(gap, replies[i]! - replies[i - 1]!);
	facts['replies'] = replies.length;
	facts['repliesAfterKill'] = replies.filter(t => t > killedAt).length;
	facts['longestGapSeconds'] = gap;
	facts['sameSas'] = peerSas(sites) === before;
	facts['peerSas'] = { before, after: peerSas(sites) };
	facts['replayErrors'] = replayErrors(sites) - replayBefore;
	// what the restarted agent (the last "sas adopted" line of its log) took over from the host
	const adopted = readFileSync(`${sites.o.work}/agent.log`, 'utf8').split('\n').filter(l => l.includes('sas adopted as the dataplane holds them'));
	facts['adoptedSas'] = Number(/"count":(\d+)/.exec(adopted.at(-1) ?? '')?.[1] ?? 0);
	if (process.env['KEEP_LOGS']) facts['logs'] = sites.logs(60);
	if (sites.o.dataplane === 'dpdk') {
		// The restarted agent attached to the host the killed one spawned; stopped cleanly, it
		// takes that host down with it: no process, no socket, no TAP left.
		const pid = Number(readFileSync(`${sites.dpSocket}.pid`, 'utf8'));
		await sites.stopAgent('SIGTERM');
		let alive = true;
		try { process.kill(pid, 0); } catch { alive = false; }
		facts['hostLeftBehind'] = { alive, socket: existsSync(sites.dpSocket), taps: sites.exec('ga', ['ip', '-o', 'link', 'show']).match(/esp-(wan|lan)0/g) ?? [] };
	}
});
