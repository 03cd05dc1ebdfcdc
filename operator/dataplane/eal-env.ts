// EAL arguments from a Kubernetes pod's environment. The SR-IOV device plugin hands the
// container its VFs as PCI addresses in PCIDEVICE_<RESOURCE> (the resource name upper-cased,
// every character outside [A-Z0-9] an underscore: intel.com/sriov_esplane ->
// PCIDEVICE_INTEL_COM_SRIOV_ESPLANE, a comma-separated list). EAL gets exactly those as an
// allow-list (-a BDF), in that order, so ethdev port ids 0, 1, ... are the VFs in the order the
// device plugin listed them: that is what the ports file's `port` numbers refer to.
// The chart passes extra arguments as a JSON array (ESPLANE_DPDK_EAL_ARGS); a plain
// whitespace-separated string is accepted too, as typed on a command line.

export class EalEnvError extends Error {
	override readonly name = 'EalEnvError';
}

/** {device-plugin resource name} => the environment variable that holds its PCI addresses */
export function pciDeviceVariable(resource: string): string {
	return `PCIDEVICE_${resource.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const BDF = /^(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

/** {resource, env} => ['-a', bdf, ...]; throws EalEnvError when the plugin gave none or a malformed one */
export function vfAllowList(resource: string, env: NodeJS.ProcessEnv): string[] {
	const name = pciDeviceVariable(resource);
	const value = env[name]?.trim();
	if (!value) throw new EalEnvError(`no VFs: ${name} is not set (does the container request ${resource}, and does the SR-IOV device plugin serve it on this node?)`);
	const addrs = value.split(',').map(s => s.trim()).filter(Boolean);
	for (const a of addrs) if (!BDF.test(a)) throw new EalEnvError(`${name}: "${a}" is not a PCI address (expected DDDD:BB:DD.F)`);
	return addrs.flatMap(a => ['-a', a]);
}

/** {ESPLANE_DPDK_EAL_ARGS} => its arguments: a JSON array of strings, or words separated by spaces */
export function parseEalArgs(value: string | undefined): string[] {
	const text = value?.trim() ?? '';
	if (!text) return [];
	if (text.startsWith('[')) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch (e) {
			throw new EalEnvError(`EAL arguments: not a JSON array: ${(e as Error).message}`);
		}
		if (!Array.isArray(parsed) || !parsed.every(x => typeof x === 'string')) throw new EalEnvError('EAL arguments: a JSON array of strings is expected');
		return parsed;
	}
	return text.split(/\s+/);
}

/** {env} => EAL arguments: the extra ones, then the VF allow-list when ESPLANE_VF_RESOURCE names a resource */
export function ealFromEnv(env: NodeJS.ProcessEnv): string[] {
	const extra = parseEalArgs(env['ESPLANE_DPDK_EAL_ARGS']);
	const resource = env['ESPLANE_VF_RESOURCE']?.trim();
	return resource ? [...extra, ...vfAllowList(resource, env)] : extra;
}
