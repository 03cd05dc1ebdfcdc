// Host-side half of an end-to-end scenario: boots a UML guest (a kernel with ESP) that runs
// test/e2e/<name>.guest.ts and hands back the facts it recorded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupUml, runInUml } from '../helpers/uml.js';

export interface ScenarioResult {
	exitCode: number;
	facts: Record<string, unknown>;
	/** everything worth printing when an assertion fails */
	explain: string;
}

export type Dataplane = 'dpdk' | 'kernel';

/**
 * The dataplanes gw-a runs each scenario with: the DPDK dataplane on the wire (the product)
 * and the kernel's ESP (the chart's `dataplane: kernel`). ESPLANE_E2E_DATAPLANE=dpdk|kernel
 * narrows a run to one.
 */
export function e2eDataplanes(): Dataplane[] {
	const only = process.env['ESPLANE_E2E_DATAPLANE'];
	return only === 'dpdk' || only === 'kernel' ? [only] : ['dpdk', 'kernel'];
}

export async function runScenario(name: string, opts: { dataplane?: Dataplane; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ScenarioResult> {
	const timeoutMs = opts.timeoutMs ?? 180_000;
	const env = { ESPLANE_E2E_DATAPLANE: opts.dataplane ?? 'kernel', ...opts.env };
	const r = await runInUml(`exec node --import tsx test/e2e/${name}.guest.ts`, { env, timeoutMs, memMB: 1024 });
	const file = join(r.outDir, 'result.json');
	const facts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
	const explain = `${r.failure ?? ''}\n${String(facts['error'] ?? '')}\n${String(facts['logs'] ?? '')}\n--- guest output\n${r.log.slice(-4000)}`;
	cleanupUml(r);
	return { exitCode: r.exitCode, facts, explain };
}
