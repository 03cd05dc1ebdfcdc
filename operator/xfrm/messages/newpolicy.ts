// XFRM_MSG_NEWPOLICY and XFRM_MSG_UPDPOLICY: the whole policy, stored under its kernel index.
import { XFRM_MSG } from '../codec/constants.js';
import type { Handler } from './handler.js';

export const newPolicy: Handler = {
	types: [XFRM_MSG.NEWPOLICY, XFRM_MSG.UPDPOLICY],
	handle(tables, msg) {
		if (msg.kind !== 'policy') return 'ignored';
		tables.putPolicy({ info: msg.body, attrs: msg.attrs });
		return 'changed';
	},
};
