// A real Prometheus server (Debian's /usr/bin/prometheus) for the metrics tests: listens on
// 127.0.0.1 at a free port, keeps its TSDB in a temp dir, scrapes the given targets every
// second. `stop()` kills it by PID and removes the dir; call it in a finally/teardown.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Sample = { metric: Record<string, string>; value: [number, string] };

export interface Prometheus {
	port: number;
	/** instant query; [] while Prometheus is not up or the query fails */
	query(expr: string): Promise<Sample[]>;
	/** the raw API answer of an instant query (status, errorType, error) */
	queryRaw(expr: string): Promise<{ status: string; error?: string; data?: { result: Sample[] } }>;
	/** Prometheus' stderr so far, for failure messages */
	stderr(): string;
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

export async function startPrometheus(job: string, targets: string[]): Promise<Prometheus> {
	const dir = mkdtempSync(join(tmpdir(), 'espops-prom-'));
	const port = await freePort();
	const config = join(dir, 'prometheus.yml');
	writeFileSync(
		config,
		[
			'global:',
			'  scrape_interval: 1s',
			'  evaluation_interval: 1s',
			'scrape_configs:',
			`  - job_name: ${job}`,
			`    static_configs: [{targets: ${JSON.stringify(targets)}}]`,
			'',
		].join('\n'),
	);
	const proc = spawn(
		'/usr/bin/prometheus',
		[`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
		{ stdio: ['ignore', 'ignore', 'pipe'] },
	);
	let stderr = '';
	proc.stderr.on('data', (d: Buffer) => {
		stderr += d.toString();
	});

	async function queryRaw(expr: string) {
		const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
		return (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
	}

	return {
		port,
		queryRaw,
		async query(expr) {
			try {
				const body = await queryRaw(expr);
				return body.status === 'success' ? (body.data?.result ?? []) : [];
			} catch {
				return [];
			}
		},
		stderr: () => stderr,
		async stop() {
			if (proc.exitCode === null && proc.pid !== undefined) {
				const exited = new Promise((r) => proc.once('exit', r));
				process.kill(proc.pid, 'SIGTERM');
				const timer = setTimeout(() => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 5000);
				await exited;
				clearTimeout(timer);
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Poll `fn` every 250 ms until it returns a value, at most `ms`. */
export async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn().catch(() => undefined);
		if (v !== undefined) return v;
		if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}
