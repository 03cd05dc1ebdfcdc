// The koffi declarations of the dataplane's C ABI (dataplane/include/esplane_dp.h).
import { openLibrary } from './library.js';

let versionFn: (() => number) | undefined;

/** {} => the ABI version of the loaded libesplane-dp.so */
export function abiVersion(): number {
	versionFn ??= openLibrary().func('uint32_t esp_dp_abi_version(void)') as () => number;
	return versionFn();
}
