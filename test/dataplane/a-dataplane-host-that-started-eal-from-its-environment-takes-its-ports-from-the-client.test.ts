// Under Kubernetes the dataplane host is a container of its own that holds the VFs: only it
// sees the device plugin's PCIDEVICE_* variable, so it starts EAL itself (--eal-from-env)
// before it serves. A client then finds EAL initialised but no ports, and sets the ports up
// without an init of its own; its init would be refused (EAL starts once per process).
import test from 'ava';
import { useNativeApi } from '../../operator/dataplane/abi.js';
import { KoffiDataplane } from '../../operator/dataplane/binding.js';
import { connectHost } from '../../operator/dataplane/remote.js';
import { scratch } from './harness.js';
import { hostEal, startHost } from './host-helpers.js';

test('a dataplane host that started EAL from its environment takes its ports from the client', async t => {
	const { dir, remove } = scratch('host-env');
	t.teardown(remove);
	const host = await startHost(dir, { args: ['--eal-from-env'], env: { ESPLANE_DPDK_EAL_ARGS: JSON.stringify(hostEal(dir, `espdphostenv${process.pid}`)) } });
	t.teardown(() => host.stop());
	const client = connectHost(host.socket);
	t.teardown(() => { useNativeApi(undefined); client.close(); });
	t.like(client.hello(), { initialised: true, running: false, ports: [] });

	useNativeApi(client.native);
	t.throws(() => KoffiDataplane.start({ eal: ['--no-pci'] }, client), { message: /EAL can start once per process/ });
	const dp = KoffiDataplane.attach(client);
	dp.addPort({ name: 'wan', port: 0, role: 'wan' });
	dp.addPort({ name: 'lan', port: 1, role: 'lan' });
	dp.run();
	t.like(client.hello(), { initialised: true, running: true, ports: [0, 1] });
	t.deepEqual(JSON.parse(client.stash()['ports'] ?? '{}'), { wan: 0, lan: 1 }, 'the port names are kept for the next client');

	useNativeApi(undefined);
	client.shutdownHost();
	t.is(await host.exited, 0);
});
