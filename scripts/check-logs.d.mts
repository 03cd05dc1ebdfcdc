// Types of scripts/check-logs.mjs for the tests that reuse its encodings.
export function leakForms(secret: string): string[];
export function scan(dir: string, secrets: string[]): { files: number; lines: number; findings: Array<{ where: string; what: string; line: string }> };
