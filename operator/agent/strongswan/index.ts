// The public surface of the strongSwan side of the agent: render a spec to VICI, keep charon
// equal to the rendered set, compare what charon holds with what was meant.
export { specToVici, connName, checkIdentity, type TunnelSecrets, type RenderOptions, type RenderedTunnel } from './render.js';
export { CharonReconciler, type ReconcilerOptions, type ReconcileReport } from './reconcile.js';
export { summarizeListed, summarizeRendered, type ConnSummary } from './observe.js';
export { TunnelSpecError, isTunnelSpecError } from './spec-error.js';
