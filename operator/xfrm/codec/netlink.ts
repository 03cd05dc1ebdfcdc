// The netlink wire format (operator/netlink/wire.ts) with XFRM's typed decode error: bad
// lengths from the kernel (or a fuzzer) are an XfrmDecodeError.
import { netlinkWire } from '../../netlink/wire.js';
import { XfrmDecodeError } from './errors.js';

export { NLA_HDRLEN, NLMSG_HDRLEN, align4, buildAttr, buildMessage, copyOf } from '../../netlink/wire.js';
export type { NlHeader, NlMessage, RawAttr } from '../../netlink/wire.js';

export const { splitMessages, walkAttrs, decodeError } = netlinkWire((what, reason) => new XfrmDecodeError(what, reason));
