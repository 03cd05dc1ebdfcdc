// Conditions as Kubernetes wants them: one per type, status implied by the reason (reasons.ts),
// lastTransitionTime moved only when the status flips, observedGeneration on each.
import type { Condition, ConditionType } from '../api/ipsectunnel.js';
import { REASONS } from '../api/reasons.js';
import type { ReasonOf } from '../api/reasons.js';

export const CONDITION_ORDER: ConditionType[] = ['Accepted', 'Programmed', 'Established', 'Ready'];

interface TypedUpdate<C extends ConditionType> {
	type: C;
	reason: ReasonOf<C>;
	message: string;
	observedGeneration?: number;
}

/** An update of one condition with a reason that belongs to it (checked by tsc). */
export type ConditionUpdate = { [C in ConditionType]: TypedUpdate<C> }[ConditionType];

export function condition<C extends ConditionType>(type: C, reason: ReasonOf<C>, message: string, observedGeneration?: number): ConditionUpdate {
	return { type, reason, message, ...(observedGeneration !== undefined ? { observedGeneration } : {}) } as TypedUpdate<C> as ConditionUpdate;
}

export function findCondition(conditions: Condition[] | undefined, type: ConditionType): Condition | undefined {
	return conditions?.find((c) => c.type === type);
}

/** Returns a new list with the updates applied, in the canonical order. */
export function setConditions(conditions: Condition[] | undefined, updates: ConditionUpdate[], now: Date): Condition[] {
	const byType = new Map((conditions ?? []).map((c) => [c.type, c]));
	for (const u of updates) {
		const status = REASONS[u.reason].status;
		const old = byType.get(u.type);
		const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
		byType.set(u.type, { type: u.type, status, reason: u.reason, message: u.message, lastTransitionTime, ...(u.observedGeneration !== undefined ? { observedGeneration: u.observedGeneration } : {}) });
	}
	return CONDITION_ORDER.flatMap((t) => {
		const c = byType.get(t);
		return c ? [c] : [];
	});
}
