// XFRM_MSG_DELPOLICY: the notification carries the deleted policy (with its index) in
// XFRMA_POLICY; without it only a dump can say which policy went.
import { attr } from '../codec/attributes.js';
import { XFRM_MSG } from '../codec/constants.js';
import { policyKeyOf } from '../state.js';
import type { Handler } from './handler.js';

export const delPolicy: Handler = {
	types: [XFRM_MSG.DELPOLICY],
	handle(tables, msg) {
		if (msg.kind !== 'policyId') return 'ignored';
		const full = attr(msg.attrs, 'policy');
		const index = full?.index ?? msg.body.index;
		if (!index) return 'resync';
		return tables.delPolicy(policyKeyOf(index)) ? 'changed' : 'ignored';
	},
};
