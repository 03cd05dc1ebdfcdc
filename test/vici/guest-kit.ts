// What the guest-side scripts of the charon tests share: an "agent" (VICI client plus the
// reconciler, as the node agent wires them), waiting for a VICI event, ping from a
// namespace, and a results file the host-side ava test asserts on.
import { execFileSync } from 'node:child_process';
import { ipBatch } from '../helpers/charon.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../operator/log/logger.js';
import { CharonReconciler, type ReconcileReport } from '../../operator/agent/strongswan/reconcile.js';
import { ViciClient } from '../../operator/vici/client.js';
import type { ViciSection } from '../../operator/vici/codec.js';
import * as vici from '../../operator/vici/commands.js';

export const OUT = process.env['OUT'] ?? '/var/tmp/espvc-out';
export const WORK = join(OUT, 'work');
mkdirSync(WORK, { recursive: true });

export interface Agent {
	name: string;
	client: ViciClient;
	reconciler: CharonReconciler;
	log: Logger;
	/** Every event received, in order: `${name} ${up?}`. */
	events: Array<{ name: string; message: ViciSection; at: number }>;
	/** Events this charon does not know (5.9.8 has no `alert`). */
	unknownEvents: string[];
	/** Every reconcile pass's report, in order. */
	reports: ReconcileReport[];
}

export async function startAgent(name: string, viciPath: string): Promise<Agent> {
	const reports: ReconcileReport[] = [];
	// Debug level: the log check must see everything the agent could ever write.
	// Lines go only to the audit copy ($ESPLANE_LOG_AUDIT_DIR), which the host-side test scans.
	const log = createLogger(`agent-${name}`, { level: 'debug', destination: { write: () => undefined } });
	const client = new ViciClient({ path: viciPath, logger: log.child({ c: 'vici' }), backoff: { initialMs: 100, maxMs: 1000 }, timeoutMs: 20_000 });
	const reconciler = new CharonReconciler({ client, logger: log.child({ c: 'strongswan' }), retryMs: 500, maxRetryMs: 2000, onReport: (rep) => reports.push(rep) });
	const events: Agent['events'] = [];
	client.on('event', (n, message) => events.push({ name: n, message, at: Date.now() }));
	await client.start();
	const unknownEvents = await vici.subscribeEvents(client);
	return { name, client, reconciler, log, events, unknownEvents, reports };
}

/** Resolve with the first event named `name` (after now) that `pred` accepts. */
export function waitEvent(a: Agent, name: string, pred: (m: ViciSection) => boolean = () => true, ms = 15_000): Promise<ViciSection> {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => {
			a.client.off('event', on);
			reject(new Error(`${a.name}: no ${name} event within ${ms} ms`));
		}, ms);
		const on = (n: string, m: ViciSection): void => {
			if (n !== name || !pred(m)) return;
			clearTimeout(t);
			a.client.off('event', on);
			resolve(m);
		};
		a.client.on('event', on);
	});
}

export const isUp = (m: ViciSection): boolean => m['up'] === 'yes';
export const isDown = (m: ViciSection): boolean => m['up'] !== 'yes';

/** ping from a namespace; true when all replies came back. */
export function ping(ns: string, dst: string, opts: { count?: number; source?: string } = {}): boolean {
	try {
		execFileSync('ip', ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(opts.count ?? 2), '-i', '0.2', '-W', '1', ...(opts.source ? ['-I', opts.source] : []), dst], { stdio: 'pipe' });
		return true;
	} catch {
		return false;
	}
}

/** ESP SAs and tunnel policies (those with a template) in a namespace; charon's IKE-port bypass policies do not count. */
export function xfrmCounts(ns: string): { states: number; policies: number } {
	const text = (what: string): string => execFileSync('ip', ['-n', ns, 'xfrm', what, 'list'], { encoding: 'utf8' });
	const states = text('state').split('\n').filter((l) => /^src /.test(l)).length;
	const policies = text('policy').split(/\n(?=src )/).filter((p) => p.includes('tmpl ')).length;
	return { states, policies };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Accumulates facts; written to $OUT/results.json on every change so a crash keeps them. */
export class Results {
	readonly data: Record<string, unknown> = {};
	set(key: string, value: unknown): void {
		this.data[key] = value;
		writeFileSync(join(OUT, 'results.json'), JSON.stringify(this.data, null, 1));
	}
}

/** The parts of a list-sas entry a test asserts on. */
export function saFacts(sas: vici.IkeSaInfo[]): unknown {
	return sas.map((s) => ({
		name: s.name,
		version: s.version,
		state: s.state,
		proposal: s.proposal,
		localId: s.localId,
		remoteId: s.remoteId,
		localVips: s.localVips,
		remoteVips: s.remoteVips,
		children: s.children.map((c) => ({ name: c.name, state: c.state, mode: c.mode, protocol: c.protocol, proposal: c.proposal, spiIn: c.spiIn, spiOut: c.spiOut, localTs: c.localTs, remoteTs: c.remoteTs, bytesIn: c.bytesIn, bytesOut: c.bytesOut })),
	}));
}

/**
 * The site-to-site topology both charon test guests use:
 *
 *   espvc-lana ─ espvc-gwa ══════ wan ══════ espvc-gwb ─ espvc-lanb
 *   10.1.0.10    10.1.0.1 | 192.0.2.1   192.0.2.2 | 10.2.0.1    10.2.0.10
 *   fd00:1::10   fd00:1::1 | 2001:db8::1  2001:db8::2 | fd00:2::1  fd00:2::10
 */
export function siteTopology(): { teardown: () => void } {
	ipBatch([
		'netns add espvc-gwa', 'netns add espvc-gwb', 'netns add espvc-lana', 'netns add espvc-lanb',
		'link add wan-a netns espvc-gwa type veth peer name wan-b netns espvc-gwb',
		'link add lan-a netns espvc-gwa type veth peer name eth0 netns espvc-lana',
		'link add lan-b netns espvc-gwb type veth peer name eth0 netns espvc-lanb',
		...['gwa wan-a', 'gwa lan-a', 'gwa lo', 'gwb wan-b', 'gwb lan-b', 'gwb lo', 'lana eth0', 'lana lo', 'lanb eth0', 'lanb lo'].map((x) => {
			const [ns, dev] = x.split(' ');
			return `-n espvc-${ns} link set ${dev} up`;
		}),
		'-n espvc-gwa addr add 192.0.2.1/24 dev wan-a', '-n espvc-gwa addr add 10.1.0.1/24 dev lan-a', '-n espvc-gwa route add 10.2.0.0/24 via 192.0.2.2',
		'-n espvc-gwb addr add 192.0.2.2/24 dev wan-b', '-n espvc-gwb addr add 10.2.0.1/24 dev lan-b', '-n espvc-gwb route add 10.1.0.0/24 via 192.0.2.1',
		'-n espvc-lana addr add 10.1.0.10/24 dev eth0', '-n espvc-lana route add default via 10.1.0.1',
		'-n espvc-lanb addr add 10.2.0.10/24 dev eth0', '-n espvc-lanb route add default via 10.2.0.1',
		// IPv6 alongside; nodad so addresses are usable at once.
		'-n espvc-gwa addr add 2001:db8::1/64 dev wan-a nodad', '-n espvc-gwa addr add fd00:1::1/64 dev lan-a nodad', '-n espvc-gwa route add fd00:2::/64 via 2001:db8::2',
		'-n espvc-gwb addr add 2001:db8::2/64 dev wan-b nodad', '-n espvc-gwb addr add fd00:2::1/64 dev lan-b nodad', '-n espvc-gwb route add fd00:1::/64 via 2001:db8::1',
		'-n espvc-lana addr add fd00:1::10/64 dev eth0 nodad', '-n espvc-lana route add ::/0 via fd00:1::1',
		'-n espvc-lanb addr add fd00:2::10/64 dev eth0 nodad', '-n espvc-lanb route add ::/0 via fd00:2::1',
	]);
	// A new namespace starts with IPv6 forwarding off.
	for (const gw of ['espvc-gwa', 'espvc-gwb']) execFileSync('ip', ['netns', 'exec', gw, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding']);
	return { teardown: () => ipBatch(['netns del espvc-gwa', 'netns del espvc-gwb', 'netns del espvc-lana', 'netns del espvc-lanb']) };
}
