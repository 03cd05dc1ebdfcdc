// The agent DaemonSet as rendered per mode. dpdk: a dataplane container (the dataplane host,
// which outlives agent restarts) that is privileged, with hugepages of the chosen size, the
// SR-IOV VF resource named in values, whole cores and the hugepage/VFIO/DPDK mounts; the agent
// beside it with NET_ADMIN only, attaching over a shared socket and reading the ports file
// from a ConfigMap the agent's own parser accepts; Guaranteed QoS (every container's requests
// equal its limits for cpu and memory). kernel: no dataplane container, NET_ADMIN only, no
// hugepages, no VF. Both: host network, charon as its own container sharing the VICI socket
// directory with the agent, strongSwan's config from the ConfigMap.
import test from 'ava';
import { find, render } from './helm.js';
import type { K8sObject } from './helm.js';
import { parsePortsConfig } from '../../operator/agent/ports-config.js';

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
	{ name: 'defaults', values: [], hugepages: 'hugepages-2Mi', medium: 'HugePages-2Mi', hugeAmount: '1Gi', vf: 'intel.com/sriov_esplane', vfCount: '2', cpus: '2' },
	{ name: 'dpdk values', values: ['ci/dpdk-values.yaml'], hugepages: 'hugepages-1Gi', medium: 'HugePages-1Gi', hugeAmount: '2Gi', vf: 'example.com/esp_vf', vfCount: '2', cpus: '4' },
];

for (const c of DPDK_CASES) {
	test(`with ${c.name} the dataplane container is privileged, Guaranteed, with whole cores, ${c.hugepages} and the VF resource from values`, (t) => {
		const pod = agentPod(c.values);
		const dp = container(pod, 'dataplane');
		t.deepEqual(dp.args, ['dataplane-host', '--socket', '/run/esplane/dataplane/dp.sock', '--eal-from-env']);
		t.true(pod.hostNetwork);
		t.true(dp.securityContext?.privileged);
		t.is(env(dp, 'ESPLANE_VF_RESOURCE'), c.vf);
		for (const side of ['requests', 'limits'] as const) {
			t.is(dp.resources?.[side]?.[c.hugepages], c.hugeAmount, `${side} ${c.hugepages}`);
			t.is(dp.resources?.[side]?.[c.vf], c.vfCount, `${side} ${c.vf}`);
			t.is(dp.resources?.[side]?.['cpu'], c.cpus, `${side} cpu`);
		}
		t.true(Number.isInteger(Number(dp.resources?.requests?.['cpu'])), 'whole cores for the static CPU manager');
		t.true(isGuaranteed(pod), 'Guaranteed QoS');
		t.is(pod.volumes?.find((v) => v.name === 'hugepages')?.emptyDir?.medium, c.medium);
		t.is(mount(dp, 'hugepages'), '/dev/hugepages');
		t.is(mount(dp, 'dpdk-runtime'), '/run/dpdk');
		t.is(mount(dp, 'dev-vfio'), '/dev/vfio');
	});

	test(`with ${c.name} the agent attaches to the dataplane over a shared socket with NET_ADMIN only, and its ports file parses`, (t) => {
		const objects = render(c.values);
		const pod = agentPod(c.values);
		const agent = container(pod, 'agent');
		t.deepEqual(agent.args, ['agent', '--dp-host', 'external']);
		t.is(env(agent, 'ESPLANE_DATAPLANE'), 'dpdk');
		t.is(env(agent, 'ESPLANE_DP_SOCKET'), '/run/esplane/dataplane/dp.sock');
		t.is(mount(agent, 'dataplane-socket'), '/run/esplane/dataplane');
		t.is(mount(container(pod, 'dataplane'), 'dataplane-socket'), '/run/esplane/dataplane');
		t.not(agent.securityContext?.privileged, true);
		t.deepEqual(agent.securityContext?.capabilities, { drop: ['ALL'], add: ['NET_ADMIN'] });
		const extended = Object.keys({ ...agent.resources?.requests, ...agent.resources?.limits }).filter((r) => r !== 'cpu' && r !== 'memory');
		t.deepEqual(extended, [], 'hugepages and VFs are the dataplane container\'s');
		t.is(env(agent, 'ESPLANE_DP_PORTS'), '/etc/esplane/dataplane/ports.json');
		t.is(mount(agent, 'dataplane-ports'), '/etc/esplane/dataplane');
		const cm = find(objects, 'ConfigMap', 'esplane-dataplane-ports') as K8sObject & { data: Record<string, string> };
		t.is(pod.volumes?.find((v) => v.name === 'dataplane-ports')?.configMap?.name, 'esplane-dataplane-ports');
		const ports = parsePortsConfig(cm.data['ports.json']!);
		t.deepEqual(ports.ports.map((p) => [p.name, p.role]), [['wan', 'wan'], ['lan', 'lan']]);
		t.is(ports.ports.length, Number(c.vfCount), 'one port per VF');
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
	t.is(pod.containers.find((x) => x.name === 'dataplane'), undefined, 'no dataplane container');
	for (const v of ['hugepages', 'dpdk-runtime', 'dev-vfio', 'dataplane-socket', 'dataplane-ports']) {
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
