// Public surface of the rtnetlink module: the client the agent uses, the generic netlink
// socket (NETLINK_XFRM can reuse it), the codec's types and the typed errors.
export { Rtnl } from './rtnl.js';
export type { Dump, RtnlOptions } from './rtnl.js';
export { NetlinkSocket } from './netlink-socket.js';
export type { NetlinkReply, NetlinkSocketOptions } from './netlink-socket.js';
export { FdPoller, sharedPoller } from './fd-poller.js';
export { inNetns } from './netns.js';
export { decodeEvent } from './events.js';
export type { RtnlEvent } from './events.js';
export type { Link } from './codec/link.js';
export type { Neighbor } from './codec/neigh.js';
export type { Route } from './codec/route.js';
export type { NlHeader, NlMessage } from './codec/netlink.js';
export {
	NetlinkRequestError, NetlinkSocketError, RtnlDecodeError, RtnlEncodeError,
	isNetlinkRequestError, isNetlinkSocketError, isRtnlDecodeError, isRtnlEncodeError,
} from './errors.js';
