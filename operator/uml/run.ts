// Boots a User-Mode Linux guest (Debian's kernel 6.1, with ESP) on the host's own root
// filesystem and runs a shell script inside it as root. The host kernel of our machines
// has XFRM but no ESP (../shared/TESTBED.md); UML gives tests a real kernel with ESP in
// about three seconds, and host binaries (node, charon, ip, the dataplane) run unchanged.
//
//   const r = await runInUml('ip xfrm state add …; ping -c1 …', { timeoutMs: 60_000 });
//   r.exitCode, r.log, r.outDir ($OUT inside: a host directory for result files)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const initScript = join(here, 'init.sh');

/** Modules every guest gets: XFRM/ESP for both families, the crypto they use, veth/tun/af_packet for ports. */
export const defaultModules = [
	'ipv6', 'xfrm_user', 'xfrm_algo', 'esp4', 'esp6', 'xfrm4_tunnel', 'xfrm6_tunnel', 'tunnel4', 'tunnel6',
	'veth', 'tun', 'af_packet', 'bridge', 'udp_tunnel', 'nf_conntrack', 'nf_nat', 'nft_masq', 'nf_tables',
	'iptable_nat', 'ip_tables', 'x_tables', 'xt_nat', 'xt_MASQUERADE', 'xt_tcpudp', 'xt_conntrack', 'xt_policy', 'xt_TCPMSS', 'iptable_mangle',
	'sch_ingress', 'cls_matchall', 'act_gact',
	'gcm', 'ghash_generic', 'ctr', 'seqiv', 'echainiv', 'authenc', 'authencesn', 'cbc', 'hmac',
	'sha1_generic', 'sha256_generic', 'sha512_generic', 'chacha20poly1305', 'chacha_generic', 'poly1305_generic',
	'aes_generic', 'drbg', 'jitterentropy_rng', 'cmac', 'ccm', 'des_generic', 'md5',
];

export interface UmlOptions {
	/** guest memory in MiB (default 768) */
	memMB?: number;
	/** kill the guest after this long (default 120 s) */
	timeoutMs?: number;
	/** more modules to load on top of defaultModules */
	extraModules?: string[];
	/** environment for the script */
	env?: Record<string, string>;
	/** keep the work directory (for debugging); default removes it unless the run failed */
	keep?: boolean;
	/** called with the script's output as it is written (the demo shows it live) */
	onOutput?: (text: string) => void;
}

export interface UmlResult {
	/** the script's exit status; -1 when the guest died or timed out before it finished */
	exitCode: number;
	/** the script's stdout and stderr */
	log: string;
	/** $OUT inside the guest: result files the script wrote */
	outDir: string;
	/** why the guest did not finish normally, if it did not */
	failure?: string;
}

const workBase = '/var/tmp/esplane-uml';

function umlKernelVersion(): string {
	const versions = readdirSync('/usr/lib/uml/modules');
	const v = versions.sort().at(-1);
	if (!v) throw new Error('no UML modules in /usr/lib/uml/modules (is user-mode-linux installed?)');
	return v;
}

/** A directory tree R with R/lib/modules/<ver> -> the UML modules, for `modprobe -d R`. */
function moduleRoot(): string {
	const ver = umlKernelVersion();
	const root = join(workBase, `modroot-${ver}`);
	const link = join(root, 'lib/modules', ver);
	if (!existsSync(link)) {
		mkdirSync(dirname(link), { recursive: true });
		try { symlinkSync(`/usr/lib/uml/modules/${ver}`, link); } catch (e) { if (!existsSync(link)) throw e; }
	}
	return root;
}

function shellQuote(v: string): string {
	return `'${v.replaceAll("'", `'\\''`)}'`;
}

/** Runs `script` (sh) as PID 1's child inside a fresh UML guest and waits for it to power off. */
export async function runInUml(script: string, opts: UmlOptions = {}): Promise<UmlResult> {
	mkdirSync(workBase, { recursive: true });
	const dir = mkdtempSync(join(workBase, 'run-'));
	const outDir = join(dir, 'out');
	mkdirSync(outDir);
	const modroot = moduleRoot();
	// modprobe -d wants the tree to be R/lib/modules/<ver>; point the per-run name at it.
	symlinkSync(modroot, join(dir, 'modroot'));
	writeFileSync(join(dir, 'script.sh'), script);
	writeFileSync(join(dir, 'env'), Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n') + '\n');
	const modules = [...defaultModules, ...(opts.extraModules ?? [])].join(' ');
	const args = [
		`mem=${opts.memMB ?? 768}M`, 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'rw',
		'pty.legacy_count=0', `uml_dir=${dir}`, `init=${initScript}`,
		'con=null', 'con0=null', 'quiet',
		`ESPLANE_UML_DIR=${dir}`, `ESPLANE_UML_CWD=${repoRoot}`,
		// Module names go through the command line as one word; init splits them again.
		`ESPLANE_UML_MODULES=${modules.replaceAll(' ', ',')}`,
	];
	const timeoutMs = opts.timeoutMs ?? 120_000;
	const child = spawn('linux.uml', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
	// The guest is detached (its own process group, so it can be ended as a whole). If this
	// process dies without ending it — a test runner killing its worker on a timeout — the guest
	// would spin on for good, busy-polling dataplane and all: a watchdog outside both groups
	// ends the guest's group once this process is gone. (Seen: one guest ran for an hour.)
	spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 -${child.pid} 2>/dev/null`],
		{ stdio: 'ignore', detached: true }).unref();
	let stderr = '';
	child.stderr.on('data', (d: Buffer) => { if (stderr.length < 65536) stderr += d.toString(); });
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
	}, timeoutMs);
	// Follow the script's log file while the guest runs, for callers that show it live.
	let shown = 0;
	const follow = () => {
		if (!opts.onOutput) return;
		try {
			const text = readFileSync(join(dir, 'log'));
			if (text.length > shown) {
				opts.onOutput(text.subarray(shown).toString('utf8'));
				shown = text.length;
			}
		} catch { /* not written yet */ }
	};
	const follower = opts.onOutput ? setInterval(follow, 200) : undefined;
	await new Promise<void>(resolvePromise => child.on('exit', () => resolvePromise()));
	clearTimeout(timer);
	clearInterval(follower);
	follow();
	// UML leaves helper processes in its group on some exits; end them (they are ours).
	try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* none left */ }

	const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
	const exitText = read('exit').trim();
	const log = read('log');
	const result: UmlResult = { exitCode: exitText === '' ? -1 : Number(exitText), log, outDir };
	if (timedOut) result.failure = `guest timed out after ${timeoutMs} ms`;
	else if (exitText === '') result.failure = `guest stopped before the script finished: ${stderr.slice(-2000)} ${read('modprobe.err')}`;
	if (!opts.keep && result.exitCode === 0) {
		// Keep the results readable for the caller: move out/ aside, drop the rest.
		rmSync(join(dir, 'script.sh'), { force: true });
	}
	return result;
}

/** Removes a finished run's directory (call after reading outDir). */
export function cleanupUml(result: UmlResult): void {
	rmSync(dirname(result.outDir), { recursive: true, force: true });
}
