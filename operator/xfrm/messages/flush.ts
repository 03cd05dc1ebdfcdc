// XFRM_MSG_FLUSHSA and XFRM_MSG_FLUSHPOLICY: everything of that kind (of that protocol, for
// SAs) is gone. Policies of a non-main type are not ours, so a flush of those changes nothing.
import { attr } from '../codec/attributes.js';
import { XFRM_MSG, XFRM_POLICY_TYPE_MAIN } from '../codec/constants.js';
import type { Handler } from './handler.js';

export const flushSa: Handler = {
	types: [XFRM_MSG.FLUSHSA],
	handle(tables, msg) {
		if (msg.kind !== 'flushSa') return 'ignored';
		const proto = msg.body.proto;
		let changed = false;
		for (const [key, e] of tables.sas) {
			// proto 0 is IPSEC_PROTO_ANY
			if (proto === 0 || e.sa.info.id.proto === proto) changed = tables.delSa(key) || changed;
		}
		return changed ? 'changed' : 'ignored';
	},
};

export const flushPolicy: Handler = {
	types: [XFRM_MSG.FLUSHPOLICY],
	handle(tables, msg) {
		if (msg.kind !== 'flushPolicy') return 'ignored';
		const type = attr(msg.attrs, 'policyType') ?? XFRM_POLICY_TYPE_MAIN;
		let changed = false;
		for (const [key, e] of tables.policies) {
			if ((attr(e.policy.attrs, 'policyType') ?? XFRM_POLICY_TYPE_MAIN) === type) changed = tables.delPolicy(key) || changed;
		}
		return changed ? 'changed' : 'ignored';
	},
};
