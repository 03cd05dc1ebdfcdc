// The HTTP endpoint the agent and the operator both mount: /metrics for Prometheus,
// /healthz for the kubelet's liveness probe ("the process can answer"), /readyz for its
// readiness probe ("the role is doing its job": agent synced, operator caches warm).
// Plain node:http, no framework; nothing else is served.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';

type Check = () => boolean | Promise<boolean>;

export interface MetricsServerOptions {
	/** registries to expose; several are merged (e.g. the role's and Node's default metrics) */
	registries: Registry[];
	/** listen address; the chart passes 0.0.0.0 (hostNetwork agents use the node's address) */
	host?: string;
	/** 0 picks a free port (tests) */
	port?: number;
	/** liveness; default: always true */
	healthy?: Check;
	/** readiness; default: always true */
	ready?: Check;
	log?: Logger;
}

export interface MetricsServer {
	port: number;
	host: string;
	close(): Promise<void>;
}

async function probe(res: ServerResponse, check: Check): Promise<void> {
	let ok = false;
	try {
		ok = await check();
	} catch {
		ok = false;
	}
	res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
	res.end(ok ? 'ok\n' : 'not ok\n');
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
	const registry = opts.registries.length === 1 && opts.registries[0] ? opts.registries[0] : Registry.merge(opts.registries);
	const healthy: Check = opts.healthy ?? (() => true);
	const ready: Check = opts.ready ?? (() => true);
	const log = opts.log;

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = (req.url ?? '/').split('?')[0];
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { allow: 'GET, HEAD' }).end();
			return;
		}
		switch (path) {
			case '/metrics': {
				try {
					const body = await registry.metrics();
					res.writeHead(200, { 'content-type': registry.contentType });
					res.end(body);
				} catch (err) {
					log?.error({ err }, 'metrics collection failed');
					res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n');
				}
				return;
			}
			case '/healthz':
				return probe(res, healthy);
			case '/readyz':
				return probe(res, ready);
			default:
				res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
		}
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((err: unknown) => {
			log?.error({ err }, 'metrics request failed');
			if (!res.headersSent) res.writeHead(500);
			res.end();
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const addr = server.address() as AddressInfo;
	log?.info({ host: addr.address, port: addr.port }, 'metrics server listening');

	return {
		port: addr.port,
		host: addr.address,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * Where a role's metrics server listens, from the environment the chart sets:
 * ESPLANE_METRICS_PORT (agent 9478, operator 8080 in the chart) and ESPLANE_METRICS_HOST
 * (default 0.0.0.0: kubelet probes and Prometheus come from outside the pod).
 */
export function metricsListenFromEnv(defaultPort: number, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
	const raw = env['ESPLANE_METRICS_PORT'];
	const port = raw === undefined || raw === '' ? defaultPort : Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`ESPLANE_METRICS_PORT must be a port number, not '${raw}'`);
	return { host: env['ESPLANE_METRICS_HOST'] || '0.0.0.0', port };
}
