// charon crashes (SIGKILL) and is started again with nothing loaded. The agent's VICI client
// notices, reconnects with backoff, restores its event subscriptions, and the reconciler
// re-applies the desired configuration (level-based: desired state, not a replay); the
// tunnel's start action brings it back. No test code calls initiate after the crash.
// The guest side is charon-restart.guest.ts.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml, type UmlResult } from '../helpers/uml.js';
import { PLANTED_PSKS } from '../helpers/planted-secrets.js';

let run: UmlResult;
let r: Record<string, any> = {};

test.before(async () => {
	run = await runInUml('export ESPLANE_LOG_AUDIT_DIR=$OUT/logs\nexec node --import tsx test/vici/charon-restart.guest.ts\n', { timeoutMs: 90_000, env: { ESPVC_PSK: PLANTED_PSKS.siteB } });
	try {
		r = JSON.parse(readFileSync(join(run.outDir, 'results.json'), 'utf8')) as Record<string, any>;
	} catch {
		r = {};
	}
});

test.after.always(() => {
	if (run && run.exitCode === 0 && r['done'] === true) cleanupUml(run);
});

test('the tunnel was up before the crash', (t) => {
	t.is(r['error'], undefined, `${String(r['error'])}\n${run.log.slice(-3000)}`);
	t.is(r['before']?.[0]?.state, 'ESTABLISHED');
	t.is(r['before']?.[0]?.children?.[0]?.state, 'INSTALLED');
	t.true(r['pingBefore']);
});

test('after charon is killed and restarted the agent reconnects once and reloads its config', (t) => {
	t.false(r['connectedWhileDown']);
	t.is(r['disconnects'], 1);
	t.is(r['reconnects'], 1);
	t.deepEqual([...(r['reloaded'] as string[])].sort(), ['conn site/restart', 'shared site/restart/psk']);
	t.deepEqual(r['reloadErrors'], []);
	t.deepEqual(r['connsAfter'], ['site/restart']);
});

test('the tunnel comes back by itself with new SAs, and traffic flows again', (t) => {
	t.true(r['done']);
	const a = r['afterA'] as any[];
	t.is(a?.length, 1);
	t.is(a[0].state, 'ESTABLISHED');
	t.is(a[0].children.filter((c: any) => c.state === 'INSTALLED').length, 1);
	t.not(a[0].children[0].spiIn, r['before'][0].children[0].spiIn, 'new SAs, not the dead charon\'s');
	const b = r['afterB'] as any[];
	t.is(b?.filter((s) => s.state === 'ESTABLISHED').length, 1, 'the peer replaced the old IKE SA instead of keeping two');
	t.true(r['pingAfter']);
	t.true(r['restartToUpMs'] < 5000, `back ${r['restartToUpMs']} ms after charon started`);
	t.log(`kill to tunnel up: ${r['downToUpMs']} ms (charon down 500 ms on purpose); restart to up: ${r['restartToUpMs']} ms`);
});
