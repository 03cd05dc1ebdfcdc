// Numbers from the kernel's include/uapi/linux/xfrm.h and netlink.h that esplane uses.

export const NETLINK_XFRM = 6;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_ESP = 50;

/** netlink message types (nlmsg_type) */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

/** netlink flags (nlmsg_flags) */
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;

/** XFRM message types */
export const XFRM_MSG = {
	NEWSA: 0x10,
	DELSA: 0x11,
	GETSA: 0x12,
	NEWPOLICY: 0x13,
	DELPOLICY: 0x14,
	GETPOLICY: 0x15,
	ALLOCSPI: 0x16,
	ACQUIRE: 0x17,
	EXPIRE: 0x18,
	UPDPOLICY: 0x19,
	UPDSA: 0x1a,
	POLEXPIRE: 0x1b,
	FLUSHSA: 0x1c,
	FLUSHPOLICY: 0x1d,
	NEWAE: 0x1e,
	GETAE: 0x1f,
	REPORT: 0x20,
	MIGRATE: 0x21,
	MAPPING: 0x26,
} as const;

export function xfrmMsgName(type: number): string {
	for (const [name, v] of Object.entries(XFRM_MSG)) if (v === type) return `XFRM_MSG_${name}`;
	if (type === NLMSG_ERROR) return 'NLMSG_ERROR';
	if (type === NLMSG_DONE) return 'NLMSG_DONE';
	return `type ${type}`;
}

/** XFRM attribute types (struct nlattr / rtattr nla_type) */
export const XFRMA = {
	ALG_AUTH: 1,
	ALG_CRYPT: 2,
	ALG_COMP: 3,
	ENCAP: 4,
	TMPL: 5,
	SA: 6,
	POLICY: 7,
	SEC_CTX: 8,
	LTIME_VAL: 9,
	REPLAY_VAL: 10,
	REPLAY_THRESH: 11,
	ETIMER_THRESH: 12,
	SRCADDR: 13,
	COADDR: 14,
	LASTUSED: 15,
	POLICY_TYPE: 16,
	MIGRATE: 17,
	ALG_AEAD: 18,
	KMADDRESS: 19,
	ALG_AUTH_TRUNC: 20,
	MARK: 21,
	TFCPAD: 22,
	REPLAY_ESN_VAL: 23,
	SA_EXTRA_FLAGS: 24,
	PROTO: 25,
	ADDRESS_FILTER: 26,
	PAD: 27,
	OFFLOAD_DEV: 28,
	SET_MARK: 29,
	SET_MARK_MASK: 30,
	IF_ID: 31,
	MTIMER_THRESH: 32,
	SA_DIR: 33,
} as const;

export function xfrmaName(type: number): string {
	for (const [name, v] of Object.entries(XFRMA)) if (v === type) return `XFRMA_${name}`;
	return `XFRMA ${type}`;
}

/** multicast groups (bit i-1 in sockaddr_nl.nl_groups, or NETLINK_ADD_MEMBERSHIP i) */
export const XFRMNLGRP = {
	ACQUIRE: 1,
	EXPIRE: 2,
	SA: 3,
	POLICY: 4,
	AEVENTS: 5,
	REPORT: 6,
	MIGRATE: 7,
	MAPPING: 8,
} as const;

/** xfrm_usersa_info.flags */
export const XFRM_STATE_NOECN = 1;
export const XFRM_STATE_DECAP_DSCP = 2;
export const XFRM_STATE_NOPMTUDISC = 4;
export const XFRM_STATE_WILDRECV = 8;
export const XFRM_STATE_ICMP = 16;
export const XFRM_STATE_AF_UNSPEC = 32;
export const XFRM_STATE_ALIGN4 = 64;
export const XFRM_STATE_ESN = 128;

/** modes */
export const XFRM_MODE_TRANSPORT = 0;
export const XFRM_MODE_TUNNEL = 1;

/** policy direction and action */
export const XFRM_POLICY_IN = 0;
export const XFRM_POLICY_OUT = 1;
export const XFRM_POLICY_FWD = 2;
export const XFRM_POLICY_ALLOW = 0;
export const XFRM_POLICY_BLOCK = 1;
export const XFRM_POLICY_TYPE_MAIN = 0;

/** xfrm_aevent_id.flags */
export const XFRM_AE_RTHR = 1;
export const XFRM_AE_RVAL = 2;
export const XFRM_AE_LVAL = 4;
export const XFRM_AE_ETHR = 8;
export const XFRM_AE_CR = 16;
export const XFRM_AE_CE = 32;
export const XFRM_AE_CU = 64;

/** SA_DIR values (kernel ≥ 6.10) */
export const XFRM_SA_DIR_IN = 1;
export const XFRM_SA_DIR_OUT = 2;

/** RFC 3948 UDP encapsulation */
export const UDP_ENCAP_ESPINUDP = 2;
