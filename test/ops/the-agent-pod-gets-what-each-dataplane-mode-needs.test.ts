// The agent DaemonSet as rendered per mode. dpdk: privileged, host network, hugepages of the
// chosen size, the SR-IOV VF resource named in values, whole cores, Guaranteed QoS (every
// container's requests equal its limits for cpu and memory), hugepage/VFIO/DPDK mounts.
// kernel: none of that — NET_ADMIN only, no hugepages, no VF. Both: charon as its own
// container sharing the VICI socket directory with the agent, strongSwan's config from the
// ConfigMap.
import test from 'ava';
import { find, render } from './helm.js';
import type { K8sObject } from './helm.js';

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = {
	name: string;
	args?: string[];
	command?: string[];
	env?: Array<{ name: string; value?: string }>;
	resources?: Resources;
	securityContext?: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } };
	volumeMounts?: Array<{ name: string; mountPath: string }>;
};
type PodSpec = {
	hostNetwork?: boolean;
	containers: Container[];
	volumes?: Array<{ name: string; emptyDir?: { medium?: string }; configMap?: { name: string } }>;
	nodeSelector?: Record<string, string>;
};

function agentPod(values: string[]): PodSpec {
	const ds = find(render(values), 'DaemonSet', 'esplane-agent') as K8sObject & { spec: { template: { spec: PodSpec } } };
	return ds.spec.template.spec;
}
const container = (pod: PodSpec, name: string): Container => {
	const c = pod.containers.find((x) => x.name === name);
	if (!c) throw new Error(`no ${name} container`);
	return c;
};
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;
const mount = (c: Container, volume: string) => c.volumeMounts?.find((m) => m.name === volume)?.mountPath;

// The pod is Guaranteed exactly when every container sets cpu and memory limits equal to requests.
function isGuaranteed(pod: PodSpec): boolean {
	return pod.containers.every((c) =>
		['cpu', 'memory'].every((r) => c.resources?.limits?.[r] !== undefined && c.resources.limits[r] === c.resources.requests?.[r]),
	);
}

const DPDK_CASES = [
	{ name: 'defaults', values: [], hugepages: 'hugepages-2Mi', medium: 'HugePages-2Mi', hugeAmount: '1Gi', vf: 'intel.com/sriov_esplane', vfCount: '1', cpus: '2' },
	{ name: 'dpdk values', values: ['ci/dpdk-values.yaml'], hugepages: 'hugepages-1Gi', medium: 'HugePages-1Gi', hugeAmount: '2Gi', vf: 'example.com/esp_vf', vfCount: '2', cpus: '4' },
];

for (const c of DPDK_CASES) {
	test(`with ${c.name} the DPDK agent is privileged, on the host network, Guaranteed, with whole cores, ${c.hugepages} and the VF resource from values`, (t) => {
		const pod = agentPod(c.values);
		const agent = container(pod, 'agent');
		t.deepEqual(agent.args, ['agent']);
		t.true(pod.hostNetwork);
		t.true(agent.securityContext?.privileged);
		t.is(env(agent, 'ESPLANE_DATAPLANE'), 'dpdk');
		t.is(env(agent, 'ESPLANE_VF_RESOURCE'), c.vf);
		for (const side of ['requests', 'limits'] as const) {
			t.is(agent.resources?.[side]?.[c.hugepages], c.hugeAmount, `${side} ${c.hugepages}`);
			t.is(agent.resources?.[side]?.[c.vf], c.vfCount, `${side} ${c.vf}`);
			t.is(agent.resources?.[side]?.['cpu'], c.cpus, `${side} cpu`);
		}
		t.true(Number.isInteger(Number(agent.resources?.requests?.['cpu'])), 'whole cores for the static CPU manager');
		t.true(isGuaranteed(pod), 'Guaranteed QoS');
		t.is(pod.volumes?.find((v) => v.name === 'hugepages')?.emptyDir?.medium, c.medium);
		t.is(mount(agent, 'hugepages'), '/dev/hugepages');
		t.is(mount(agent, 'dpdk-runtime'), '/run/dpdk');
		t.is(mount(agent, 'dev-vfio'), '/dev/vfio');
	});
}

test('with dataplane: kernel the agent has NET_ADMIN only: not privileged, no hugepages, no VF, no DPDK mounts', (t) => {
	const pod = agentPod(['ci/kernel-values.yaml']);
	const agent = container(pod, 'agent');
	t.true(pod.hostNetwork);
	t.is(env(agent, 'ESPLANE_DATAPLANE'), 'kernel');
	t.not(agent.securityContext?.privileged, true);
	t.deepEqual(agent.securityContext?.capabilities, { drop: ['ALL'], add: ['NET_ADMIN'] });
	const resourceNames = Object.keys({ ...agent.resources?.requests, ...agent.resources?.limits });
	t.deepEqual(resourceNames.filter((r) => r !== 'cpu' && r !== 'memory'), []);
	t.is(env(agent, 'ESPLANE_VF_RESOURCE'), undefined);
	for (const v of ['hugepages', 'dpdk-runtime', 'dev-vfio']) {
		t.is(mount(agent, v), undefined, v);
		t.is(pod.volumes?.find((x) => x.name === v), undefined, v);
	}
	t.deepEqual(pod.nodeSelector, { 'node-role.kubernetes.io/gateway': '' });
});

for (const mode of [{ name: 'dpdk', values: [] }, { name: 'kernel', values: ['ci/kernel-values.yaml'] }]) {
	test(`with dataplane: ${mode.name} charon runs as its own container sharing the VICI socket with the agent`, (t) => {
		const pod = agentPod(mode.values);
		const agent = container(pod, 'agent');
		const charon = container(pod, 'charon');
		t.deepEqual(charon.command, ['/usr/lib/ipsec/charon']);
		t.is(mount(charon, 'vici'), '/run');
		t.is(mount(agent, 'vici'), '/run');
		t.is(env(agent, 'ESPLANE_VICI'), '/run/charon.vici');
		t.is(pod.volumes?.find((v) => v.name === 'vici')?.emptyDir?.medium, 'Memory');
		t.is(mount(charon, 'strongswan-conf'), '/etc/strongswan.conf');
		t.is(pod.volumes?.find((v) => v.name === 'strongswan-conf')?.configMap?.name, 'esplane-strongswan');
		t.deepEqual(charon.securityContext?.capabilities?.drop, ['ALL']);
		t.true(charon.securityContext?.capabilities?.add?.includes('NET_ADMIN'));
		t.not(charon.securityContext?.privileged, true);
	});
}
