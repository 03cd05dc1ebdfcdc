// XFRM_MSG_NEWSA and XFRM_MSG_UPDSA: the message is the SA's whole state, so both simply
// store it. charon's inbound SAs arrive as UPDSA (the SPI was reserved with ALLOCSPI first).
import { XFRM_MSG } from '../codec/constants.js';
import type { Handler } from './handler.js';

export const newSa: Handler = {
	types: [XFRM_MSG.NEWSA, XFRM_MSG.UPDSA],
	handle(tables, msg) {
		if (msg.kind !== 'sa') return 'ignored';
		tables.putSa({ info: msg.body, attrs: msg.attrs });
		return 'changed';
	},
};
