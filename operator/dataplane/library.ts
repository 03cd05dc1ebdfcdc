// Finds and opens libesplane-dp.so through koffi. Only this folder talks to the C ABI.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the dataplane library is looked for, first match wins. */
export function libraryCandidates(): string[] {
	const fromEnv = process.env['ESPLANE_DP_LIB'];
	return [
		...(fromEnv ? [fromEnv] : []),
		join(here, '../../dataplane/build/libesplane-dp.so'),
		join(here, '../../../dataplane/build/libesplane-dp.so'),
		'/usr/lib/esplane/libesplane-dp.so',
	];
}

export function libraryPath(): string {
	const found = libraryCandidates().find(p => existsSync(p));
	if (!found) {
		throw new Error(`libesplane-dp.so not found (looked in: ${libraryCandidates().join(', ')}); run npm run setup`);
	}
	return found;
}

let lib: koffi.IKoffiLib | undefined;

/** The opened library, loaded once per process. */
export function openLibrary(): koffi.IKoffiLib {
	lib ??= koffi.load(libraryPath());
	return lib;
}
