// What every esplane process exports besides its role's families: esplane_build_info (which
// version and role answered the scrape) and the Node.js runtime's standard process_* and
// nodejs_* metrics (CPU, memory, event-loop lag), under their usual unprefixed names so
// stock dashboards work.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProcessMetricsOptions {
	/** "agent" or "operator" */
	role: string;
	version: string;
	registry?: Registry;
	/** add Node's runtime metrics; default true (tests turn it off for exact expositions) */
	runtime?: boolean;
}

export function createProcessMetrics(opts: ProcessMetricsOptions): Registry {
	const registry = opts.registry ?? new Registry();
	const info = new Gauge({
		name: 'esplane_build_info',
		help: 'Always 1; labels say which esplane version and role this process is.',
		labelNames: ['version', 'role'],
		registers: [registry],
	});
	info.set({ version: opts.version, role: opts.role }, 1);
	if (opts.runtime !== false) collectDefaultMetrics({ register: registry });
	return registry;
}
