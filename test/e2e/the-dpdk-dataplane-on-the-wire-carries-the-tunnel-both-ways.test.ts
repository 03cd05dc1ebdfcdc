import test from 'ava';
import { runScenario } from './run.js';

test('with the dpdk dataplane on the wire, IKE reaches charon through the TAP and the tunnel carries ping and TCP both ways', async t => {
	const { exitCode, facts, explain } = await runScenario('the-dpdk-dataplane-on-the-wire-carries-the-tunnel-both-ways');
	t.is(exitCode, 0, explain);
	t.log(`tunnel established ${facts['establishedMs']} ms after the agent started`);
	t.regex(facts['gatewayPing'] as string, / 0% packet loss/, 'gw-b pings gw-a\'s wan address: the kernel answers through the TAP');
	t.log((facts['gatewayPing'] as string).split('\n').find(l => l.startsWith('rtt')) ?? '');
	t.log('warm-up:', (facts['warmup'] as string).split('\n').find(l => l.includes('packet loss')), 'drops then:', JSON.stringify(Object.fromEntries(Object.entries(facts['dropsBefore'] as Record<string, number>).filter(([, v]) => v > 0))));
	t.regex(facts['pingAtoB'] as string, / 0% packet loss/, explain);
	t.regex(facts['pingBtoA'] as string, / 0% packet loss/, explain);
	t.true((facts['tcpAtoB'] as number) > 0 && (facts['tcpBtoA'] as number) > 0, JSON.stringify(facts));
	const sas = facts['sas'] as { dir: string; packets: number }[];
	t.true(sas.some(s => s.dir === 'in' && s.packets > 0) && sas.some(s => s.dir === 'out' && s.packets > 0), JSON.stringify(sas));
	const ports = (facts['stats'] as { ports: { name: string; toKernel?: number; fromKernel?: number }[] }).ports;
	const wan = ports.find(p => p.name === 'wan');
	t.true((wan?.toKernel ?? 0) > 0 && (wan?.fromKernel ?? 0) > 0, JSON.stringify(ports));
});
