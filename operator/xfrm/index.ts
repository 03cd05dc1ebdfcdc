// The XFRM module's public surface: the netlink socket and client, the codec, the converters
// and the observed-state tables the agent's mirror is built on.
export { XfrmSocket, XfrmSocketError, isXfrmSocketError } from './socket.js';
export type { XfrmSocketOptions, Received } from './socket.js';
export { XfrmClient, XfrmRequestError, isXfrmRequestError, XfrmDumpInterrupted } from './client.js';
export { XfrmEvents, MIRROR_GROUPS } from './events.js';
export type { XfrmEventListener } from './events.js';
export { XfrmDecodeError, isXfrmDecodeError } from './codec/errors.js';
export { decodeXfrm, encodeXfrm } from './codec/message.js';
export type { XfrmMessage, XfrmKind } from './codec/message.js';
export { splitMessages } from './codec/netlink.js';
export { attr } from './codec/attributes.js';
export type { XfrmAttr } from './codec/attributes.js';
export * as xfrmConst from './codec/constants.js';
export { xfrmToSa, saToXfrm, xfrmToPolicy, policyToXfrm, kernelSeq, saDirection } from './convert.js';
export type { XfrmSa, XfrmPolicy, Converted, SaContext } from './convert.js';
export { KernelTables } from './state.js';
export type { SaEntry, PolicyEntry } from './state.js';
export { handleMessage } from './messages/index.js';
export { buildNewAe, buildExpire } from './messages/newae.js';
