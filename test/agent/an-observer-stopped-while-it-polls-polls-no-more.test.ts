// The agent's observer (operator/agent/observer.ts) polls on a timer. Stopped while a poll is
// in flight — the usual case on SIGTERM when one poll of fifty tunnels takes a while — it must
// not arm the next one: a live timer kept the stopped agent's process running for good, and
// the e2e scenario waiting for it never finished.
import test from 'ava';
import { createLogger } from '../../operator/log/index.js';
import { Observer } from '../../operator/agent/observer.js';
import type { ObservedTunnel } from '../../operator/agent/k8s-agent.js';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test('an observer stopped during a poll polls no more', async t => {
	let polls = 0;
	let finish: () => void = () => {};
	const observer = new Observer({
		tunnels: () => {
			polls++;
			return new Promise<Map<string, ObservedTunnel | undefined>>(r => { finish = () => r(new Map()); });
		},
		sas: async () => [],
		drops: () => ({}),
		intervalMs: 5,
		log: createLogger('test', { level: 'silent' }),
	});
	observer.start();
	t.is(polls, 1);
	observer.stop();
	finish();
	await sleep(100);
	t.is(polls, 1, 'no poll after stop()');
});

test('a running observer polls again after each poll', async t => {
	let polls = 0;
	const observer = new Observer({
		tunnels: async () => { polls++; return new Map(); },
		sas: async () => [],
		drops: () => ({}),
		intervalMs: 5,
		log: createLogger('test', { level: 'silent' }),
	});
	observer.start();
	await sleep(100);
	observer.stop();
	t.true(polls >= 3, `polled ${polls} times`);
	const after = polls;
	await sleep(50);
	t.is(polls, after);
});
