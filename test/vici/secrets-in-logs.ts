// Finds secret material in log files: each secret as is, as hex and as base64, and for PEM
// private keys every base64 line of the body. Returns "file: what" for every hit.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function needles(secret: string): string[] {
	if (secret.includes('PRIVATE KEY-----')) {
		return secret.split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'));
	}
	return [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64').replace(/=+$/, '')];
}

function files(path: string): string[] {
	if (!existsSync(path)) return [];
	if (!statSync(path).isDirectory()) return [path];
	return readdirSync(path).flatMap((f) => files(join(path, f)));
}

export function secretsInLogs(paths: string[], secrets: string[]): { hits: string[]; lines: number } {
	const hits: string[] = [];
	let lines = 0;
	for (const f of paths.flatMap(files)) {
		const text = readFileSync(f, 'utf8');
		lines += text.split('\n').length;
		secrets.forEach((s, i) => {
			for (const n of needles(s)) if (text.includes(n)) hits.push(`${f}: secret #${i}`);
		});
	}
	return { hits: [...new Set(hits)], lines };
}
