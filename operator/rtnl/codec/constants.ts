// Numbers from the kernel's uapi headers (linux/netlink.h, rtnetlink.h, neighbour.h,
// if_link.h). Only the ones esplane uses.

export const NETLINK_ROUTE = 0;

// nlmsghdr types every family shares
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

// nlmsghdr flags
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300; // ROOT | MATCH
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

// rtnetlink message types
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;

// legacy multicast group bits for sockaddr_nl.nl_groups
export const RTMGRP_LINK = 0x1;
export const RTMGRP_NEIGH = 0x4;
export const RTMGRP_IPV4_ROUTE = 0x40;
export const RTMGRP_IPV6_ROUTE = 0x400;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

// struct ndmsg: ndm_state (NUD_*), ndm_flags (NTF_*), attributes (NDA_*)
export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;

export const NTF_USE = 0x01;
export const NTF_PROXY = 0x08;

export const NDA_DST = 1;
export const NDA_LLADDR = 2;

// struct rtmsg: rtm_table, rtm_type (RTN_*), rtm_scope, rtm_protocol; attributes (RTA_*)
export const RT_TABLE_MAIN = 254;
export const RTN_UNICAST = 1;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;

export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_TABLE = 15;

// struct ifinfomsg attributes
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;

/** NUD_* bit => the name `ip neigh` prints, for logs */
export const NUD_NAMES: ReadonlyMap<number, string> = new Map([
	[NUD_NONE, 'NONE'],
	[NUD_INCOMPLETE, 'INCOMPLETE'],
	[NUD_REACHABLE, 'REACHABLE'],
	[NUD_STALE, 'STALE'],
	[NUD_DELAY, 'DELAY'],
	[NUD_PROBE, 'PROBE'],
	[NUD_FAILED, 'FAILED'],
	[NUD_NOARP, 'NOARP'],
	[NUD_PERMANENT, 'PERMANENT'],
]);
