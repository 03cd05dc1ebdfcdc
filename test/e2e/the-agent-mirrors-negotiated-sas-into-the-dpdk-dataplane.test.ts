import test from 'ava';
import { runScenario } from './run.js';

type Row = { spi: string; dir: string; algorithm?: string };

test('in dpdk mode the agent installs the SAs charon negotiates into the dataplane and follows a rekey', async t => {
	const { exitCode, facts, explain } = await runScenario('the-agent-mirrors-negotiated-sas-into-the-dpdk-dataplane');
	t.is(exitCode, 0, explain);
	const tunnel = facts['tunnel'] as { spiIn: string; spiOut: string };
	const sas = facts['sas'] as Row[];
	// Established is reported only when the dataplane holds both SAs, read back from it here.
	t.deepEqual(sas.map(s => s.spi).sort(), [tunnel.spiIn, tunnel.spiOut].sort());
	t.true(sas.every(s => s.algorithm === 'rfc4106(gcm(aes)) 128'), JSON.stringify(sas));
	// The dataplane's SPD: the tunnel's selectors, protected, both ways.
	const policies = facts['policies'] as Array<{ dir: string; src: string; dst: string; action: string }>;
	t.true(policies.some(p => p.dir === 'out' && p.src === '10.1.0.0/24' && p.dst === '10.2.0.0/24' && p.action === 'protect'), JSON.stringify(policies));
	t.true(policies.some(p => p.dir === 'in' && p.src === '10.2.0.0/24' && p.dst === '10.1.0.0/24' && p.action === 'protect'), JSON.stringify(policies));
	const after = facts['afterRekey'] as Row[];
	t.false(after.some(s => s.dir === 'out' && s.spi === tunnel.spiOut), `the old outbound SA left the dataplane: ${JSON.stringify(after)}`);
	t.true(after.some(s => s.dir === 'out'), 'a new outbound SA is installed');
	t.truthy((facts['stats'] as { drops: Record<string, number> }).drops, 'stats come from the dataplane');
	t.like(facts['trace'], { traces: [], missing: 2 });
	t.regex(facts['captureLog'] as string, /0 packets captured at wan-in; 0 not recorded/);
	t.is(facts['pcapHeader'], 'd4c3b2a1020004000000000000000000ffff000001000000', 'a pcap of no packets: the global header, Ethernet');
});
