import test from 'ava';
import { EalEnvError, ealFromEnv, parseEalArgs, pciDeviceVariable, vfAllowList } from '../../operator/dataplane/eal-env.js';

test('the device plugin variable is the resource name upper-cased with underscores', t => {
	t.is(pciDeviceVariable('intel.com/sriov_esplane'), 'PCIDEVICE_INTEL_COM_SRIOV_ESPLANE');
	t.is(pciDeviceVariable('nvidia.com/cx6-vf'), 'PCIDEVICE_NVIDIA_COM_CX6_VF');
});

test('each VF the device plugin lists becomes an -a entry, in its order', t => {
	const env = { PCIDEVICE_INTEL_COM_SRIOV_ESPLANE: '0000:3b:02.1, 0000:3b:02.0' };
	t.deepEqual(vfAllowList('intel.com/sriov_esplane', env), ['-a', '0000:3b:02.1', '-a', '0000:3b:02.0']);
});

test('a missing or malformed VF list is an error that names the variable', t => {
	const missing = t.throws(() => vfAllowList('intel.com/sriov_esplane', {}), { instanceOf: EalEnvError });
	t.regex(missing.message, /PCIDEVICE_INTEL_COM_SRIOV_ESPLANE is not set/);
	const bad = t.throws(() => vfAllowList('intel.com/sriov_esplane', { PCIDEVICE_INTEL_COM_SRIOV_ESPLANE: '0000:3b:02.1,eth0' }), { instanceOf: EalEnvError });
	t.regex(bad.message, /"eth0" is not a PCI address/);
});

test('extra EAL arguments are read as the chart writes them (JSON) or as typed (words)', t => {
	t.deepEqual(parseEalArgs('["--socket-mem", "1024", "--log-level", "lib.eal:debug"]'), ['--socket-mem', '1024', '--log-level', 'lib.eal:debug']);
	t.deepEqual(parseEalArgs('--no-pci  --vdev net_null0'), ['--no-pci', '--vdev', 'net_null0']);
	t.deepEqual(parseEalArgs(''), []);
	t.deepEqual(parseEalArgs(undefined), []);
	t.throws(() => parseEalArgs('["--socket-mem", 1024]'), { instanceOf: EalEnvError, message: /array of strings/ });
	t.throws(() => parseEalArgs('[--socket-mem'), { instanceOf: EalEnvError, message: /not a JSON array/ });
});

test('the pod environment gives the extra arguments, then the VF allow-list', t => {
	t.deepEqual(ealFromEnv({
		ESPLANE_DPDK_EAL_ARGS: '["--socket-mem","512"]', ESPLANE_VF_RESOURCE: 'intel.com/sriov_esplane', PCIDEVICE_INTEL_COM_SRIOV_ESPLANE: '0000:3b:02.1',
	}), ['--socket-mem', '512', '-a', '0000:3b:02.1']);
	t.deepEqual(ealFromEnv({ ESPLANE_DPDK_EAL_ARGS: '--no-pci' }), ['--no-pci']);
});
