// `esplane demo` (and `npm run demo`): the two-site demo on a bare machine. Runs operator/
// demo/guest.ts directly when this kernel has ESP; otherwise (our Debian machines: XFRM
// yes, ESP no) inside a User-Mode Linux guest booted on this filesystem, showing its output
// live. Leaves no namespaces, processes or files behind either way.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInUml, cleanupUml } from '../uml/run.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const guest = join(repo, 'operator/demo/guest.ts');

/** Whether this kernel accepts an ESP SA (tried in a throwaway namespace, never the host's). */
export function kernelHasEsp(): boolean {
	const probe = `espdemo-probe-${process.pid}`;
	try {
		execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
		execFileSync('ip', ['-n', probe, 'xfrm', 'state', 'add', 'src', '192.0.2.1', 'dst', '192.0.2.2', 'proto', 'esp', 'spi', '0x1', 'mode', 'tunnel',
			'aead', 'rfc4106(gcm(aes))', '0x0102030405060708090a0b0c0d0e0f1011121314', '128'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	} finally {
		spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
	}
}

export async function runDemo(args: string[]): Promise<number> {
	const env = { ESPLANE_DEMO_DATAPLANE: args.includes('--kernel') ? 'kernel' : (process.env['ESPLANE_DEMO_DATAPLANE'] ?? 'dpdk') };
	if (kernelHasEsp() && !args.includes('--uml')) {
		const r = spawnSync('node', ['--import', 'tsx', guest], { stdio: 'inherit', env: { ...process.env, ...env } });
		return r.status ?? 1;
	}
	process.stdout.write('This kernel has no ESP: running the demo inside a User-Mode Linux guest (a real Linux 6.1 kernel as a process, ~3 s to boot).\n');
	const r = await runInUml(`exec node --import tsx ${guest}`, { env, timeoutMs: 240_000, onOutput: text => process.stdout.write(text) });
	if (r.failure) process.stdout.write(`\nthe guest did not finish: ${r.failure}\n`);
	cleanupUml(r);
	return r.exitCode === 0 ? 0 : 1;
}
