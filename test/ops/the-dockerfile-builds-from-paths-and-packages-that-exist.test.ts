// There is no Docker engine here, so the Dockerfile is checked statically: every stage is
// Debian 12, every COPY from the build context names a path that exists and is not
// .dockerignored, every COPY --from names an earlier stage and a file that stage produces
// (the Makefile's targets, tsc's outDir), the dataplane builds with the same DPDK packages as
// scripts/setup.sh, and the runtime stage installs the packages that provide every shared
// library the built dataplane needs and the charon/swanctl binaries the chart runs.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helm.js';

type Instr = { op: string; args: string };
type Stage = { name: string; image: string; instrs: Instr[] };

function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
	const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
	const args = new Map<string, string>();
	const stages: Stage[] = [];
	for (const line of logical) {
		const [op = '', ...rest] = line.split(/\s+/);
		const argText = rest.join(' ');
		if (op.toUpperCase() === 'FROM') {
			const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(argText);
			if (!m?.[1]) throw new Error(`bad FROM: ${line}`);
			const image = m[1].replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? `<unset ${n}>`);
			stages.push({ name: m[2] ?? String(stages.length), image, instrs: [] });
		} else if (op.toUpperCase() === 'ARG' && stages.length === 0) {
			const [k = '', v = ''] = argText.split('=');
			args.set(k, v);
		} else {
			stages.at(-1)?.instrs.push({ op: op.toUpperCase(), args: argText });
		}
	}
	return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string) => {
	const s = dockerfile.stages.find((x) => x.name === name);
	if (!s) throw new Error(`no stage ${name}`);
	return s;
};
const copies = (s: Stage) =>
	s.instrs.filter((i) => i.op === 'COPY').map((i) => {
		const parts = i.args.split(/\s+/);
		const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
		const paths = parts.filter((p) => !p.startsWith('--'));
		return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
	});
const aptPackages = (s: Stage) =>
	s.instrs
		.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))
		.flatMap((i) => (i.args.split('apt-get install')[1] ?? '').split('&&')[0]?.split(/\s+/) ?? [])
		.filter((w) => w !== '' && !w.startsWith('-') && !w.includes('$(') && !w.includes(')'));

test('every stage is built on Debian 12 (bookworm)', (t) => {
	t.deepEqual(dockerfile.stages.map((s) => s.name), ['dataplane', 'build', 'runtime']);
	for (const s of dockerfile.stages) t.regex(s.image, /^(debian:12(-slim)?|node:\d+-bookworm(-slim)?)$/, `${s.name}: ${s.image}`);
});

test('every COPY from the build context names a path that exists and is not excluded by .dockerignore', (t) => {
	const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
	const isIgnored = (p: string) => ignored.some((pat) => !pat.includes('*') && (p === pat.replace(/\/$/, '') || p.startsWith(pat.endsWith('/') ? pat : `${pat}/`)));
	let n = 0;
	for (const s of dockerfile.stages) {
		for (const c of copies(s).filter((x) => x.from === undefined)) {
			for (const src of c.sources) {
				n++;
				t.true(existsSync(join(ROOT, src)), `${s.name}: COPY ${src} does not exist`);
				t.false(isIgnored(src.replace(/\/$/, '')), `${s.name}: COPY ${src} is excluded by .dockerignore`);
			}
		}
	}
	t.true(n >= 6);
});

test('every COPY --from names an earlier stage and a file that stage produces', (t) => {
	const makefile = readFileSync(join(ROOT, 'dataplane/Makefile'), 'utf8');
	const buildDir = /^BUILD\s*\?=\s*(\S+)/m.exec(makefile)?.[1];
	const tsOutDir = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
	const produced: Record<string, (p: string) => boolean> = {
		// the Makefile's `all` targets, built in /src/dataplane, and the package list beside them
		dataplane: (p) =>
			['libesplane-dp.so', 'esplane-dp'].some((f) => p === `/src/dataplane/${buildDir}/${f}` && makefile.includes(`$(BUILD)/${f}:`)) ||
			(p === '/src/runtime-packages.txt' && stage('dataplane').instrs.some((i) => i.op === 'RUN' && i.args.includes('> /src/runtime-packages.txt'))),
		// package.json and node_modules from npm ci; dist from tsc -p tsconfig.build.json
		build: (p) => ['/app/package.json', '/app/node_modules/', `/app/${tsOutDir}/`].includes(p),
	};
	const names = dockerfile.stages.map((s) => s.name);
	for (const [i, s] of dockerfile.stages.entries()) {
		for (const c of copies(s).filter((x) => x.from !== undefined)) {
			const from = c.from ?? '';
			t.true(names.indexOf(from) >= 0 && names.indexOf(from) < i, `${s.name}: --from=${from} is not an earlier stage`);
			for (const src of c.sources) t.true(produced[from]?.(src) ?? false, `${s.name}: ${from} does not produce ${src}`);
		}
	}
	t.true(stage('build').instrs.some((i) => i.op === 'RUN' && i.args.includes('tsc -p tsconfig.build.json')));
	t.true(stage('dataplane').instrs.some((i) => i.op === 'RUN' && /make -C dataplane/.test(i.args)));
});

test("the dataplane stage builds against the distribution's DPDK with the packages setup.sh installs", (t) => {
	const setup = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
	const debs = new Set((/DEBS="([^"]+)"/.exec(setup)?.[1] ?? '').split(/\s+/));
	const pkgs = aptPackages(stage('dataplane'));
	t.true(pkgs.includes('libdpdk-dev'));
	for (const p of pkgs) t.true(debs.has(p), `${p} is not in setup.sh's DEBS`);
});

test('the entrypoint is the esplane launcher, and the binaries the chart runs come from packages the runtime installs', (t) => {
	const entry = stage('runtime').instrs.find((i) => i.op === 'ENTRYPOINT');
	t.deepEqual(JSON.parse(entry?.args ?? '[]'), ['/app/bin/esplane']);
	t.true(copies(stage('runtime')).some((c) => c.sources.includes('bin/esplane') && c.dest === './bin/esplane'));
	const runtime = new Set(aptPackages(stage('runtime')));
	// dpkg -S: which Debian package ships the path (this machine is Debian 12 with them installed).
	for (const [path, pkg] of [['/usr/lib/ipsec/charon', 'strongswan-charon'], ['/usr/sbin/swanctl', 'strongswan-swanctl']] as const) {
		const owner = execFileSync('dpkg', ['-S', path], { encoding: 'utf8' }).split(':')[0];
		t.is(owner, pkg);
		t.true(runtime.has(pkg), `${pkg} (${path}) is not installed in the runtime stage`);
	}
});

// Installed packages reachable from `roots` through Depends/Pre-Depends, per dpkg's status
// (read once: one dpkg-query for every installed package).
function dependencyClosure(roots: string[]): Set<string> {
	const depends = new Map<string, string[]>();
	const status = execFileSync('dpkg-query', ['-W', '-f=${Package}\t${Depends}, ${Pre-Depends}\n'], { encoding: 'utf8', maxBuffer: 64 << 20 });
	for (const line of status.split('\n')) {
		const [pkg, deps = ''] = line.split('\t');
		if (!pkg) continue;
		const names = deps.split(/[,|]/).map((d) => d.trim().split(/\s+/)[0]?.replace(/:.*$/, '') ?? '').filter((d) => d !== '');
		depends.set(pkg, [...(depends.get(pkg) ?? []), ...names]);
	}
	const seen = new Set<string>();
	const queue = roots.map((r) => r.replace(/:.*$/, ''));
	for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
		if (seen.has(p)) continue;
		seen.add(p);
		queue.push(...(depends.get(p) ?? []));
	}
	return seen;
}

test('the runtime stage installs a package for every shared library the built dataplane needs', (t) => {
	const lib = join(ROOT, 'dataplane/build/libesplane-dp.so');
	t.true(existsSync(lib), 'the dataplane is built by scripts/setup.sh');
	// Run the dataplane stage's own recipe for runtime-packages.txt against the local build.
	const recipe = stage('dataplane').instrs.find((i) => i.op === 'RUN' && i.args.includes('runtime-packages.txt'));
	t.truthy(recipe, 'the dataplane stage lists the runtime packages');
	const runtime = stage('runtime');
	t.true(copies(runtime).some((c) => c.from === 'dataplane' && c.sources.includes('/src/runtime-packages.txt')));
	t.true(runtime.instrs.some((i) => i.op === 'RUN' && i.args.includes('$(cat /tmp/runtime-packages.txt)')));
	const dir = mkdtempSync(join(tmpdir(), 'espops-docker-'));
	let derived: string[] = [];
	try {
		execFileSync('sh', ['-c', (recipe?.args ?? 'false').replaceAll('/src/runtime-packages.txt', join(dir, 'pkgs.txt')).replaceAll('/tmp/libs', join(dir, 'libs'))], { cwd: ROOT, stdio: 'ignore' });
		derived = readFileSync(join(dir, 'pkgs.txt'), 'utf8').split('\n').filter((l) => l !== '');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	t.true(derived.includes('librte-eal23'), `derived: ${derived.join(' ')}`);
	const closure = dependencyClosure([...aptPackages(runtime), ...derived]);
	const resolved = execFileSync('ldd', [lib], { encoding: 'utf8' })
		.split('\n')
		.map((l) => /=>\s+(\/\S+)/.exec(l)?.[1])
		.filter((p): p is string => p !== undefined);
	t.true(resolved.some((p) => p.includes('librte_eal')), 'links DPDK');
	const owner = owners(resolved);
	const missing = resolved.filter((path) => {
		const pkg = owner.get(path.replace(/^\/usr(?=\/lib\/)/, ''));
		return pkg === undefined || !closure.has(pkg);
	});
	t.deepEqual(missing, [], 'libraries no runtime package provides');
});

// path => owning package, with one `dpkg -S` over both spellings of every path (Debian 12
// ships some libraries under /lib, most under /usr/lib).
function owners(paths: string[]): Map<string, string> {
	const r = spawnSync('dpkg', ['-S', ...paths.flatMap((p) => [p, `/usr${p}`])], { encoding: 'utf8' });
	const byPath = new Map<string, string>();
	for (const line of r.stdout.split('\n')) {
		const m = /^([^:\s]+)(?::[^:\s]+)?: (\/\S+)$/.exec(line);
		if (m?.[1] && m[2]) byPath.set(m[2].replace(/^\/usr(?=\/lib\/)/, ''), m[1]);
	}
	return byPath;
}

test('the runtime stage installs a package for every strongSwan plugin strongswan.conf loads', (t) => {
	const conf = readFileSync(join(ROOT, 'charts/esplane/files/strongswan.conf'), 'utf8');
	const plugins = (/^\s*load\s*=\s*(.+)$/m.exec(conf)?.[1] ?? '').trim().split(/\s+/);
	t.true(plugins.includes('vici') && plugins.includes('kernel-netlink'), `load = ${plugins.join(' ')}`);
	const closure = dependencyClosure(aptPackages(stage('runtime')));
	const paths = plugins.map((p) => `/usr/lib/ipsec/plugins/libstrongswan-${p}.so`);
	const owner = owners(paths);
	const missing = paths.filter((p) => {
		const pkg = owner.get(p.replace(/^\/usr(?=\/lib\/)/, ''));
		return pkg === undefined || !closure.has(pkg);
	});
	t.deepEqual(missing, [], 'plugins no runtime package provides');
});
