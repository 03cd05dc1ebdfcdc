// npm run bench: the ESP rate of one worker with capture disarmed and armed at the wan point
// (every packet copied into the ring, drained continuously); capture-cost.ts measures.
import type { Benchmark, BenchRow } from '../types.js';
import { measure } from './measure.js';

interface CaptureCost { size: number; op: string; point: string; disarmedMpps: number; armedMpps: number; ratio: number; disarmedMppsPerCpu: number; armedMppsPerCpu: number; ratioPerCpu: number; capturedPerS: number; captureDroppedPerS: number }

const bench: Benchmark = {
	title: 'dataplane capture cost, one worker core, AES-GCM-128',
	async run({ quick, workDir, log }) {
		const { results, loadBefore, loadAfter } = measure<{ results: CaptureCost[]; loadBefore: number[]; loadAfter: number[] }>(
			'capture-cost.ts', ['--seconds', quick ? '0.5' : '2', '--repeat', quick ? '1' : '4'], workDir, log);
		const rows: BenchRow[] = results.map(x => ({
			case: `${x.op} ${x.size} B, capture at ${x.point}`,
			value: x.armedMpps,
			unit: 'Mpps',
			reference: { name: 'capture disarmed', value: x.disarmedMpps, unit: 'Mpps' },
			ratio: x.ratio,
			extra: { mppsPerCpuDisarmed: x.disarmedMppsPerCpu, mppsPerCpuArmed: x.armedMppsPerCpu, ratioPerCpu: x.ratioPerCpu, recordsPerS: Math.round(x.capturedPerS), ringFullPerS: Math.round(x.captureDroppedPerS) },
		}));
		return {
			name: 'capture armed vs disarmed (one worker, every packet captured, ring drained by a control thread)',
			rows,
			notes: [`load average 1/5/15 min: before ${loadBefore.map(v => v.toFixed(2)).join(' ')}, after ${loadAfter.map(v => v.toFixed(2)).join(' ')}`,
				'best of N interleaved runs each way; on a loaded 2-core machine the drain thread competes with the worker, and the ratio swings with load'],
		};
	},
};
export default bench;
