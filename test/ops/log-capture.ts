// A pino destination that keeps the lines in memory, so logger tests read back exactly what
// would have been written.
import { Writable } from 'node:stream';

export function captureLines(): { stream: Writable; lines: () => string[] } {
	const chunks: string[] = [];
	const stream = new Writable({
		write(chunk: Buffer | string, _enc, cb) {
			chunks.push(String(chunk));
			cb();
		},
	});
	return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}
