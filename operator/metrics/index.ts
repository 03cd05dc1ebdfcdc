// Public surface of the metrics module: the agent's and the operator's metric families and
// the HTTP server both roles mount.
export { createAgentMetrics } from './agent-metrics.js';
export type { AgentMetrics, AgentMetricsOptions } from './agent-metrics.js';
export { createOperatorMetrics } from './operator-metrics.js';
export type { OperatorMetrics, OperatorMetricsOptions, ReconcileResult } from './operator-metrics.js';
export { createProcessMetrics } from './process-metrics.js';
export type { ProcessMetricsOptions } from './process-metrics.js';
export { metricsListenFromEnv, startMetricsServer } from './server.js';
export type { MetricsServer, MetricsServerOptions } from './server.js';
export { emptySnapshot, seqRemaining, toNumber } from './snapshot.js';
export type { AgentSnapshot, Count, LcoreSample, SaSample, TunnelSample } from './snapshot.js';
