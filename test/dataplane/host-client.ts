// A client of a dataplane host, run as its own process by host tests so that it can be
// killed: argv = socket, EAL arguments as JSON. It starts the library in the host, adds the
// ports, an outbound and an inbound SA, the SPD and a route, starts the workers, prints
// "ready" and waits to be killed. A line "put SPI" on stdin puts one more outbound SA and
// prints "put SPI" (proof that it still drives the host).
import { createInterface } from 'node:readline';
import { useNativeApi } from '../../operator/dataplane/abi.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { hostInSa, hostOutSa } from './host-helpers.js';

const [socket, ealJson] = process.argv.slice(2) as [string, string];
const client = connectHost(socket);
useNativeApi(client.native);
const dp = KoffiDataplane.start({ eal: JSON.parse(ealJson) as string[] }, client);
dp.addPort({ name: 'wan', port: 0, role: 'wan', addresses: ['192.0.2.1/24'] });
dp.addPort({ name: 'lan', port: 1, role: 'lan' });
dp.replaceRoutes([{ dst: '0.0.0.0/0', port: 'wan', via: '192.0.2.254' }], [{ ip: '192.0.2.254', mac: '02:00:00:00:00:fe', port: 'wan' }]);
dp.putSa(hostOutSa());
dp.putSa(hostInSa());
dp.replacePolicies('out', [{ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', action: 'protect', spi: '0x100' }]);
dp.run();
process.stdout.write('ready\n');
createInterface({ input: process.stdin }).on('line', line => {
	const m = /^put (0x[0-9a-f]+)$/.exec(line.trim());
	if (!m) return;
	dp.putSa({ ...hostOutSa(), spi: m[1] as `0x${string}` });
	process.stdout.write(`put ${m[1]}\n`);
});
setInterval(() => {}, 60_000);
