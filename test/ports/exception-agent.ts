// A child process for the port tests: the dataplane in-process (koffi) with the agent's
// exception path (TAPs configured, kernel forwarding mirrored, unresolved next hops resolved),
// run inside a test namespace with `ip netns exec`. Prints "ready" once up; on SIGTERM prints
// one JSON line of counters and shuts down.
//   node --import tsx exception-agent.ts '{"eal":[...],"ports":[...],"policies":[...],"log":"..."}'
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import type { DpPolicy, DpPort, DpRoute } from '../../operator/dataplane/types.js';
import { createLogger } from '../../operator/log/logger.js';
import { startExceptionPath } from '../../operator/agent/exception-path.js';

interface Spec {
	eal: string[];
	ports: DpPort[];
	routes?: DpRoute[];
	policies?: DpPolicy[];
	log: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const dp = KoffiDataplane.start({ eal: spec.eal, logPath: spec.log });
for (const p of spec.ports) dp.addPort(p);
dp.replacePolicies('out', spec.policies ?? []);
dp.replaceRoutes(spec.routes ?? [], []);
dp.run();
const path = await startExceptionPath({ dataplane: dp, ports: spec.ports, routes: spec.routes ?? [], log: createLogger('exception-agent') });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
	const counters = {
		ports: dp.portCounters().map(p => ({ port: p.port, toKernel: Number(p.excToKernel), fromKernel: Number(p.excFromKernel), tx: Number(p.txPackets) })),
		drops: Object.fromEntries(Object.entries(dp.dropCounters()).filter(([, v]) => v > 0n).map(([k, v]) => [k, Number(v)])),
		resolve: path.stats,
		neighbors: dp.listNeighbors(),
		routes: dp.listRoutes(),
	};
	path.stop();
	dp.shutdown();
	process.stdout.write(`${JSON.stringify(counters)}\n`);
	process.exit(0);
});
