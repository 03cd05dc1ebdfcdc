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
	const after = facts['afterRekey'] as Row[];
	t.false(after.some(s => s.dir === 'out' && s.spi === tunnel.spiOut), `the old outbound SA left the dataplane: ${JSON.stringify(after)}`);
	t.true(after.some(s => s.dir === 'out'), 'a new outbound SA is installed');
	t.truthy((facts['stats'] as { drops: Record<string, number> }).drops, 'stats come from the dataplane');
});
