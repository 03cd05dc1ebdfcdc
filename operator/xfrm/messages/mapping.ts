// XFRM_MSG_MAPPING: the kernel saw a NAT mapping change for a UDP-encapsulated SA. It does not
// change the SA itself; charon answers with an UPDSA carrying the new ports, which NEWSA handles.
import { XFRM_MSG } from '../codec/constants.js';
import type { Handler } from './handler.js';

export const mapping: Handler = {
	types: [XFRM_MSG.MAPPING],
	handle: () => 'ignored',
};
