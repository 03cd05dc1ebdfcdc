import test from 'ava';
import { runScenario } from './run.js';

type Traffic = { packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number };

test('a tunnel applied with kubectl through the API comes up, carries traffic, its status counters are the kernel\'s, and deleting it removes the SAs before the finalizer goes', async t => {
	const { exitCode, facts, explain } = await runScenario('a-tunnel-applied-through-the-api-reports-real-counters');
	t.is(exitCode, 0, explain);
	t.regex(String(facts['applyOutput']), /ipsectunnel\.esplane\.io\/site-b created/);
	t.deepEqual(facts['finalizers'], ['esplane.io/cleanup']);
	t.is(facts['node'], 'gw-a');
	t.is(facts['nodeLabel'], 'gw-a');
	t.is(facts['sasInStatus'], 1);
	t.regex(String(facts['pingAtoB']), /3 received, 0% packet loss/, 'ping host-a → host-b');
	t.regex(String(facts['pingBtoA']), /3 received, 0% packet loss/, 'ping host-b → host-a');
	t.is(facts['countersNeverAgreed'], undefined, explain);
	const status = facts['statusTraffic'] as Traffic;
	const kernel = facts['kernelCounters'] as Traffic & { sas: number };
	t.is(kernel.sas, 2, 'one SA each way in gw-a\'s kernel');
	// Six echo requests and six replies crossed gw-a, three each way per direction.
	t.true(status.packetsIn >= 6 && status.packetsOut >= 6, JSON.stringify(status));
	t.true(status.bytesIn > 0 && status.bytesOut > 0, JSON.stringify(status));
	for (const k of ['packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'] as const) t.is(status[k], kernel[k], `${k}: status vs ip -s xfrm state`);
	const conditions = facts['conditions'] as string[];
	for (const c of ['Accepted', 'Programmed', 'Established', 'Ready']) t.true(conditions.some(x => x.startsWith(`${c}=True/`)), conditions.join(', '));
	t.regex(String(facts['kubectlGet']).split('\n')[1] ?? '', /^site-b\s+True\s+gw-a\s+192\.0\.2\.1\s+192\.0\.2\.2\s+1\s/);
	t.regex(String(facts['deleteOutput']), /ipsectunnel\.esplane\.io "site-b" deleted/);
	t.is(facts['objectAfterDelete'], null, 'the object is gone: the finalizer was released');
	t.is(facts['kernelSasWhenGone'], 0, 'gw-a\'s kernel SAs when the object was gone');
	t.is(facts['kernelPoliciesWhenGone'], 0, 'gw-a\'s kernel policies for the tunnel when the object was gone');
	t.is(facts['charonSasWhenGone'], 0, 'gw-a\'s charon SAs when the object was gone');
	t.log(`operator and agent up after ${String(facts['secondsToProcessesUp'])} s; apply → conditions True (s): ${JSON.stringify(facts['reached'])}; counters in status ${String(facts['secondsToCountersInStatus'])} s; established ${String(facts['secondsToEstablished'])} s; delete → gone ${String(facts['secondsToDeleted'])} s; scenario ${String(facts['guestSeconds'])} s`);
});
