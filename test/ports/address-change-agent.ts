// Child of the address-change test, run inside its namespace: the dataplane in-process with a
// wan port replaying one IKE packet to 192.0.2.9 forever and an exception TAP. Prints one JSON
// line: the TAP's share and not_local drops over 1 s with wan address 192.0.2.1, then over 1 s
// after esp_dp_port_set_addresses made it 192.0.2.9 while running.
//   node --import tsx address-change-agent.ts '{"eal":[...]}'
import { KoffiDataplane } from '../../operator/dataplane/binding.js';

const { eal } = JSON.parse(process.argv[2] ?? '{}') as { eal: string[] };
const dp = KoffiDataplane.start({ eal });
dp.addPort({ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'], exception: 'nwaddr0' });
dp.addPort({ name: 'lan', port: 1, role: 'lan' });
dp.run();
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const sample = () => ({ toKernel: Number(dp.portCounters().find(p => p.port === 0)?.excToKernel ?? 0n), notLocal: Number(dp.dropCounters()['not_local'] ?? 0n) });
const over = async () => {
	const a = sample();
	await sleep(1000);
	const b = sample();
	return { toKernel: b.toKernel - a.toKernel, notLocal: b.notLocal - a.notLocal };
};
await sleep(300);
const before = await over();
dp.setPortAddresses('wan', ['192.0.2.9/24']);
await sleep(100);
const after = await over();
dp.shutdown();
process.stdout.write(`${JSON.stringify({ before, after })}\n`);
process.exit(0);
