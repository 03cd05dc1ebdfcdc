// XFRM_MSG_EXPIRE: soft — the SA is dying, the kernel (and we) prefer a newer SA of the same
// reqid for outbound; hard — the kernel deletes the SA without a DELSA notification.
// XFRM_MSG_POLEXPIRE: the same for a policy with a lifetime.
import { XFRM_MSG } from '../codec/constants.js';
import { policyKeyOf, saKeyOf } from '../state.js';
import type { Handler } from './handler.js';

export const expire: Handler = {
	types: [XFRM_MSG.EXPIRE],
	handle(tables, msg) {
		if (msg.kind !== 'expire') return 'ignored';
		const s = msg.body.state;
		const key = saKeyOf(s.id.daddr, s.id.spi, s.id.proto, s.family, msg.attrs);
		if (msg.body.hard) return tables.delSa(key) ? 'changed' : 'ignored';
		return tables.markDying(key) ? 'changed' : 'ignored';
	},
};

export const polexpire: Handler = {
	types: [XFRM_MSG.POLEXPIRE],
	handle(tables, msg) {
		if (msg.kind !== 'polexpire' || !msg.body.hard) return 'ignored';
		return tables.delPolicy(policyKeyOf(msg.body.pol.index)) ? 'changed' : 'ignored';
	},
};
