// Kubernetes API errors as one typed class with a guard, whatever layer of client-node threw
// them (ApiException from the generated clients, a plain error with statusCode from Watch).
export class KubeApiError extends Error {
	override readonly name = 'KubeApiError';
	constructor(
		readonly code: number,
		readonly reason: string,
		message: string,
	) {
		super(message);
	}
}

export function isKubeApiError(err: unknown): err is KubeApiError {
	return err instanceof KubeApiError;
}

/** Normalise anything client-node throws into a KubeApiError (code 0 = no HTTP answer). */
export function toKubeApiError(err: unknown): KubeApiError {
	if (err instanceof KubeApiError) return err;
	const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
	const code = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
	let body: { reason?: string; message?: string } = {};
	if (typeof e.body === 'string') {
		try {
			body = JSON.parse(e.body) as typeof body;
		} catch {
			body = { message: e.body };
		}
	} else if (e.body && typeof e.body === 'object') body = e.body as typeof body;
	return new KubeApiError(code, body.reason ?? (code === 0 ? 'NoResponse' : 'Unknown'), body.message ?? String(e.message ?? err));
}

export const isNotFound = (err: unknown): boolean => toKubeApiError(err).code === 404;
export const isConflict = (err: unknown): boolean => toKubeApiError(err).code === 409;
