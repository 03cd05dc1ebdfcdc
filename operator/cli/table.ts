// Plain-text tables for people (`esplane sa list`), like kubectl's: upper-case headers,
// columns padded to the widest cell, no borders.
export type Cell = string | number | bigint | boolean | undefined | null;

export function renderTable(headers: string[], rows: Cell[][]): string {
	const text = (c: Cell) => (c === undefined || c === null ? '-' : String(c));
	const cells = [headers.map(h => h.toUpperCase()), ...rows.map(r => r.map(text))];
	const widths = headers.map((_, i) => Math.max(...cells.map(r => (r[i] ?? '').length)));
	return cells.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd()).join('\n') + '\n';
}
