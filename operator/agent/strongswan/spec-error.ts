// A tunnel spec esplane refuses to hand to charon, with the field and the reason. The agent
// reports it in the tunnel's status; nothing is loaded for that tunnel.
export class TunnelSpecError extends Error {
	override readonly name = 'TunnelSpecError';
	constructor(
		/** Field path from the spec root, e.g. `spec.esp.proposals[1]`. */
		readonly field: string,
		readonly reason: string,
	) {
		super(`${field}: ${reason}`);
	}
}

export const isTunnelSpecError = (e: unknown): e is TunnelSpecError => e instanceof TunnelSpecError;
