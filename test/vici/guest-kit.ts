// What the guest-side scripts of the charon tests share: an "agent" (VICI client plus the
// reconciler, as the node agent wires them), waiting for a VICI event, ping from a
// namespace, and a results file the host-side ava test asserts on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../operator/log/logger.js';
import { CharonReconciler } from '../../operator/agent/strongswan/reconcile.js';
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
}

export async function startAgent(name: string, viciPath: string): Promise<Agent> {
	// Debug level: the log check must see everything the agent could ever write.
	const log = createLogger(`agent-${name}`, { level: 'debug', destination: { write: () => undefined } as never });
	const client = new ViciClient({ path: viciPath, logger: log.child({ c: 'vici' }), backoff: { initialMs: 100, maxMs: 1000 }, timeoutMs: 20_000 });
	const reconciler = new CharonReconciler({ client, logger: log.child({ c: 'strongswan' }), retryMs: 500, maxRetryMs: 2000 });
	const events: Agent['events'] = [];
	client.on('event', (n, message) => events.push({ name: n, message, at: Date.now() }));
	await client.start();
	const unknownEvents = await vici.subscribeEvents(client);
	return { name, client, reconciler, log, events, unknownEvents };
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
