// The operator's metric families: reconcile counts by result, errors, and duration, per
// controller (the shape controller-runtime exports, under the esplane_ prefix), and whether
// this replica holds the leader Lease. Reconciles are control-plane events, so these are
// updated directly rather than from a snapshot.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'error' | 'requeue';

export interface OperatorMetricsOptions {
	registry?: Registry;
	/** controllers to export at 0 from the start, so rates exist before the first reconcile */
	controllers?: readonly string[];
}

export interface OperatorMetrics {
	registry: Registry;
	/** record one finished reconcile */
	reconciled(controller: string, result: ReconcileResult, seconds: number): void;
	/** run one reconcile and record it: a throw counts as an error and is rethrown */
	timeReconcile<T>(controller: string, fn: () => Promise<T>, resultOf?: (value: T) => ReconcileResult): Promise<T>;
	setLeader(isLeader: boolean): void;
}

const RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue'];

export function createOperatorMetrics(opts: OperatorMetricsOptions = {}): OperatorMetrics {
	const registry = opts.registry ?? new Registry();
	const registers = [registry];

	const total = new Counter({
		name: 'esplane_reconcile_total',
		help: 'Reconciles finished, by controller and result.',
		labelNames: ['controller', 'result'],
		registers,
	});
	const errors = new Counter({
		name: 'esplane_reconcile_errors_total',
		help: 'Reconciles that ended in an error, by controller.',
		labelNames: ['controller'],
		registers,
	});
	const duration = new Histogram({
		name: 'esplane_reconcile_duration_seconds',
		help: 'Time one reconcile took, by controller.',
		labelNames: ['controller'],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
		registers,
	});
	const leader = new Gauge({
		name: 'esplane_operator_leader',
		help: '1 when this operator replica holds the leader Lease.',
		registers,
	});
	leader.set(0);

	for (const controller of opts.controllers ?? []) {
		for (const result of RESULTS) total.inc({ controller, result }, 0);
		errors.inc({ controller }, 0);
		duration.zero({ controller });
	}

	function reconciled(controller: string, result: ReconcileResult, seconds: number): void {
		total.inc({ controller, result });
		if (result === 'error') errors.inc({ controller });
		if (Number.isFinite(seconds) && seconds >= 0) duration.observe({ controller }, seconds);
	}

	return {
		registry,
		reconciled,
		async timeReconcile(controller, fn, resultOf) {
			const start = process.hrtime.bigint();
			const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
			try {
				const value = await fn();
				reconciled(controller, resultOf ? resultOf(value) : 'success', seconds());
				return value;
			} catch (err) {
				reconciled(controller, 'error', seconds());
				throw err;
			}
		},
		setLeader(isLeader) {
			leader.set(isLeader ? 1 : 0);
		},
	};
}
