// XFRM_MSG_DELSA: the kernel's notification carries the deleted SA in XFRMA_SA (and its mark).
import { attr } from '../codec/attributes.js';
import { XFRM_MSG } from '../codec/constants.js';
import { saKeyOf, wipeKeys } from '../state.js';
import type { Handler } from './handler.js';

export const delSa: Handler = {
	types: [XFRM_MSG.DELSA],
	handle(tables, msg) {
		if (msg.kind !== 'saId') return 'ignored';
		const full = attr(msg.attrs, 'sa');
		const key = full
			? saKeyOf(full.id.daddr, full.id.spi, full.id.proto, full.family, msg.attrs)
			: saKeyOf(msg.body.daddr, msg.body.spi, msg.body.proto, msg.body.family, msg.attrs);
		// The notification carries the deleted SA's keys too: wipe this copy as well.
		wipeKeys({ info: full ?? ({} as never), attrs: msg.attrs });
		return tables.delSa(key) ? 'changed' : 'ignored';
	},
};
