// The captured kernel messages (see capture-fixtures.ts), as buffers.
import { readFileSync } from 'node:fs';

export interface Captured { what: string; type: number; bytes: Buffer }

export function capturedMessages(): Captured[] {
	const rows = JSON.parse(readFileSync(new URL('./fixtures/rtnetlink-messages.json', import.meta.url), 'utf8')) as { what: string; type: number; hex: string }[];
	return rows.map((r) => ({ what: r.what, type: r.type, bytes: Buffer.from(r.hex, 'hex') }));
}
