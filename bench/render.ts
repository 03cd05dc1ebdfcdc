// Turns benchmark reports into a Markdown table and an SVG bar chart of the ratios.
import type { BenchReport } from './types.js';

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3));

export function toMarkdown(reports: BenchReport[], machine: string): string {
	const out = [`# esplane benchmarks`, '', `Machine: ${machine}`, ''];
	for (const r of reports) {
		out.push(`## ${r.name}`, '', '| case | value | reference | ratio | target | met |', '|---|---:|---:|---:|---|:-:|');
		for (const row of r.rows) {
			const ref = row.reference ? `${fmt(row.reference.value)} ${row.reference.unit} (${row.reference.name})` : '';
			const met = row.met === undefined ? '' : row.met ? 'yes' : 'no';
			out.push(`| ${row.case} | ${fmt(row.value)} ${row.unit} | ${ref} | ${row.ratio === undefined ? '' : fmt(row.ratio)} | ${row.target ?? ''} | ${met} |`);
		}
		for (const n of r.notes ?? []) out.push('', `- ${n}`);
		out.push('');
	}
	return out.join('\n');
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** One horizontal bar per row that has a ratio; a line at 1.0. */
export function toSvg(reports: BenchReport[]): string {
	const rows = reports.flatMap(r => r.rows.filter(x => x.ratio !== undefined).map(x => ({ label: `${r.name}: ${x.case}`, ratio: x.ratio!, met: x.met })));
	const barH = 18, gap = 6, left = 380, width = 360, top = 30;
	const max = Math.max(1.2, ...rows.map(r => r.ratio));
	const h = top + rows.length * (barH + gap) + 20;
	const x = (v: number) => left + (v / max) * width;
	const bars = rows.map((r, i) => {
		const y = top + i * (barH + gap);
		const colour = r.met === false ? '#d9534f' : '#3b7dd8';
		return `<text x="${left - 6}" y="${y + barH - 5}" text-anchor="end" font-size="11">${esc(r.label)}</text>` +
			`<rect x="${left}" y="${y}" width="${Math.max(1, x(r.ratio) - left).toFixed(1)}" height="${barH}" fill="${colour}"/>` +
			`<text x="${x(r.ratio) + 4}" y="${y + barH - 5}" font-size="11">${fmt(r.ratio)}</text>`;
	}).join('\n');
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 60}" height="${h}" font-family="sans-serif">
<text x="10" y="18" font-size="13" font-weight="bold">esplane: ratio to the reference measured in the same run (1.0 = reference)</text>
<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${h - 10}" stroke="#555" stroke-dasharray="4 3"/>
${bars}
</svg>
`;
}
