// Every key in the chart's values.yaml has a comment right above it (a Helm-docs style
// "# -- what it does" or a section comment), so `helm show values` documents the chart.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART } from './helm.js';

export function uncommentedKeys(text: string): string[] {
	const lines = text.split('\n');
	const missing: string[] = [];
	lines.forEach((line, i) => {
		const m = /^(\s*)([A-Za-z0-9_.\/-]+|"[^"]+"):(\s|$)/.exec(line);
		if (!m) return;
		let j = i - 1;
		while (j >= 0 && (lines[j] ?? '').trim() === '') j--;
		if (!(lines[j] ?? '').trim().startsWith('#')) missing.push(`${i + 1}: ${line.trim()}`);
	});
	return missing;
}

test('every key in values.yaml has a comment above it', (t) => {
	const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
	t.true(text.split('\n').filter((l) => /^\s*[A-Za-z]/.test(l)).length > 40, 'values.yaml is the full set');
	t.deepEqual(uncommentedKeys(text), []);
});

test('the comment check finds an undocumented key', (t) => {
	t.deepEqual(uncommentedKeys('# -- documented\na: 1\nb: 2\n'), ['3: b: 2']);
});
