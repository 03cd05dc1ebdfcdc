// The CLI's side of the agent control socket (see operator/agent/control-socket.ts).
import { connect } from 'node:net';

export const defaultSocketPath = process.env['ESPLANE_AGENT_SOCKET'] ?? '/run/esplane/agent.sock';

export class AgentUnreachableError extends Error {
	override name = 'AgentUnreachableError';
	constructor(readonly socketPath: string, readonly code: string) {
		super(`cannot reach the esplane agent at ${socketPath} (${code}): is the agent running on this node? ` +
			`In a cluster: kubectl -n esplane-system get pods -l app.kubernetes.io/name=esplane-agent`);
	}
}

export const isAgentUnreachableError = (e: unknown): e is AgentUnreachableError => e instanceof AgentUnreachableError;

export class AgentCallError extends Error {
	override name = 'AgentCallError';
	constructor(readonly code: string, message: string) {
		super(message);
	}
}

export const isAgentCallError = (e: unknown): e is AgentCallError => e instanceof AgentCallError;

/** {method, params} => the agent's result; throws AgentUnreachableError or AgentCallError. */
export async function callAgent(method: string, params: Record<string, unknown> = {}, socketPath = defaultSocketPath, timeoutMs = 5000): Promise<unknown> {
	return new Promise((resolve, reject) => {
		const socket = connect(socketPath);
		let buffered = '';
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new AgentUnreachableError(socketPath, 'ETIMEDOUT'));
		}, timeoutMs);
		socket.setEncoding('utf8');
		socket.on('connect', () => socket.write(JSON.stringify({ id: 1, method, params }) + '\n'));
		socket.on('error', (e: NodeJS.ErrnoException) => {
			clearTimeout(timer);
			reject(new AgentUnreachableError(socketPath, e.code ?? e.message));
		});
		socket.on('data', (chunk: string) => {
			buffered += chunk;
			const nl = buffered.indexOf('\n');
			if (nl < 0) return;
			clearTimeout(timer);
			socket.end();
			try {
				const res = JSON.parse(buffered.slice(0, nl)) as { result?: unknown; error?: { code: string; message: string } };
				if (res.error) reject(new AgentCallError(res.error.code, res.error.message));
				else resolve(res.result);
			} catch (e) {
				reject(new AgentCallError('bad_response', `the agent answered something that is not JSON: ${(e as Error).message}`));
			}
		});
	});
}

/** {where to print, a call's error} => the exit code: 3 no agent, 1 the agent refused; anything else rethrown */
export function callFailed(err: (s: string) => void, e: unknown): number {
	if (isAgentUnreachableError(e) || isAgentCallError(e)) {
		err(`esplane: ${e.message}\n`);
		return isAgentUnreachableError(e) ? 3 : 1;
	}
	throw e;
}
