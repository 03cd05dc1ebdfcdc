// `esplane operator [--namespace NS] [--lease-namespace NS] [--identity ID] [--concurrency N]`
// Runs the leader-elected cluster controller until SIGTERM/SIGINT. Kubernetes access comes
// from the usual places (in-cluster service account, else $KUBECONFIG / ~/.kube/config).
// Losing leadership exits non-zero, as controller-runtime does: a restarted pod campaigns
// again from a clean slate instead of running controllers on a stale cache.
import { hostname } from 'node:os';
import { VERSION } from '../version.js';

export type Command = { summary: string; run: (args: string[]) => Promise<number> };

function flag(args: string[], name: string): string | undefined {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args[i + 1] : undefined;
}

export async function runOperator(args: string[]): Promise<number> {
	const { KubeConfig } = await import('@kubernetes/client-node');
	const { Operator } = await import('./operator.js');
	const { createLogger } = await import('../log/index.js');
	const log = createLogger('operator');
	const kubeConfig = new KubeConfig();
	kubeConfig.loadFromDefault();
	const namespace = flag(args, 'namespace');
	const leaseNamespace = flag(args, 'lease-namespace') ?? process.env.POD_NAMESPACE ?? 'esplane-system';
	const identity = flag(args, 'identity') ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
	const concurrency = Number(flag(args, 'concurrency') ?? 8);
	let lost = false;
	const { createOperatorMetrics, createProcessMetrics, metricsListenFromEnv, startMetricsServer } = await import('../metrics/index.js');
	const metrics = createOperatorMetrics({ controllers: ['ipsectunnel'] });
	const operator = new Operator({ kubeConfig, leaseNamespace, identity, concurrency, log, metrics, ...(namespace ? { namespace } : {}) });
	// A standby replica is ready (it is doing its job: waiting); a leader once its caches are warm.
	const server = await startMetricsServer({
		registries: [metrics.registry, createProcessMetrics({ role: 'operator', version: VERSION })],
		...metricsListenFromEnv(8080),
		ready: () => !operator.elector.leading || operator.running,
		log,
	});
	const done = new Promise<number>((resolve) => {
		const stop = (signal: string) => () => {
			log.info({ signal }, 'stopping');
			void operator.stop().then(() => resolve(0));
		};
		process.once('SIGTERM', stop('SIGTERM'));
		process.once('SIGINT', stop('SIGINT'));
		const watchdog = setInterval(() => {
			if (operator.running === false && operator.wasLeading) {
				lost = true;
				clearInterval(watchdog);
				log.error({ identity }, 'leadership lost, exiting');
				resolve(1);
			}
		}, 500);
		watchdog.unref();
	});
	operator.start();
	log.info({ identity, leaseNamespace, namespace: namespace ?? '(all)' }, 'operator started, campaigning for leadership');
	const code = await done;
	await server.close();
	return lost ? 1 : code;
}

export const operatorCommand: Command = {
	summary: 'the cluster controller: validates IPsecTunnels, resolves Secrets, assigns gateway nodes, owns status',
	run: runOperator,
};
