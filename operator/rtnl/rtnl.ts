// The rtnetlink client the agent uses: dumps of links, neighbours and routes, notifications
// as typed events, and one write — asking the kernel to resolve a next hop.
import type { Logger } from '../log/logger.js';
import {
	AF_UNSPEC, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE, NTF_USE, NUD_NONE, RTM_GETLINK, RTM_GETNEIGH,
	RTM_GETROUTE, RTM_NEWNEIGH, RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_ROUTE, RTMGRP_LINK, RTMGRP_NEIGH,
} from './codec/constants.js';
import { ipToBytes } from './codec/address.js';
import { decodeLink, encodeLink } from './codec/link.js';
import type { Link } from './codec/link.js';
import { decodeNeighbor, encodeNeighbor } from './codec/neigh.js';
import type { Neighbor } from './codec/neigh.js';
import { buildMessage } from './codec/netlink.js';
import type { NlHeader, NlMessage } from './codec/netlink.js';
import { decodeRoute } from './codec/route.js';
import type { Route } from './codec/route.js';
import { isRtnlDecodeError } from './errors.js';
import { decodeEvent } from './events.js';
import type { RtnlEvent } from './events.js';
import type { FdPoller } from './fd-poller.js';
import { NetlinkSocket } from './netlink-socket.js';

export interface RtnlOptions {
	/** watch this named network namespace instead of our own */
	netns?: string;
	/** subscribe to link, neighbour and IPv4/IPv6 route notifications; default true */
	subscribe?: boolean;
	/** receive buffer in bytes; default 4 MiB, so a burst (a link flap flushing many routes) rarely overruns */
	rcvbuf?: number;
	/** default: the process's shared poller */
	poller?: FdPoller;
	logger?: Logger;
}

export interface Dump<T> {
	items: T[];
	/** NLM_F_DUMP_INTR: the table changed during the dump; dump again */
	interrupted: boolean;
	/** messages that did not decode (counted, skipped) */
	bad: number;
}

// an all-zero ifinfomsg: every link
const allLinks = (h: NlHeader): Buffer => encodeLink(h, { family: AF_UNSPEC, type: 0, index: 0, flags: 0, change: 0 });

const DEFAULT_RCVBUF = 4 << 20;

export class Rtnl {
	readonly socket: NetlinkSocket;

	constructor(opts: RtnlOptions = {}) {
		const groups = opts.subscribe === false ? 0 : RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
		this.socket = new NetlinkSocket({
			protocol: NETLINK_ROUTE,
			groups,
			...(opts.netns !== undefined ? { netns: opts.netns } : {}),
			rcvbuf: opts.rcvbuf ?? DEFAULT_RCVBUF,
			...(opts.logger !== undefined ? { logger: opts.logger } : {}),
			...(opts.poller !== undefined ? { poller: opts.poller } : {}),
		});
	}

	dumpLinks(): Promise<Dump<Link>> {
		return this.dump(RTM_GETLINK, allLinks, decodeLink);
	}

	dumpNeighbors(): Promise<Dump<Neighbor>> {
		return this.dump(RTM_GETNEIGH, (h) => encodeNeighbor(h, { family: AF_UNSPEC, ifindex: 0, state: 0, flags: 0, type: 0 }), decodeNeighbor);
	}

	dumpRoutes(): Promise<Dump<Route>> {
		return this.dump(
			RTM_GETROUTE,
			// an all-zero rtmsg: every family, every table (we filter on our side)
			(h) => buildMessage(h, Buffer.alloc(12)),
			decodeRoute,
		);
	}

	/**
	 * {ifindex, ip} => the kernel starts ARP/ND for `ip` on that interface (RTM_NEWNEIGH with
	 * NTF_USE: the entry is created in NUD_NONE if missing and "used", which sends a
	 * solicitation exactly as a packet waiting for it would). Resolves when the kernel ACKs.
	 */
	async resolve(ifindex: number, ip: string): Promise<void> {
		const { family } = ipToBytes(ip);
		await this.socket.request(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, (h) =>
			encodeNeighbor(h, { family, ifindex, state: NUD_NONE, flags: NTF_USE, type: 0, dst: ip }),
		);
	}

	/** Notifications as typed events; bad messages are counted in socket.stats and skipped. */
	onEvent(fn: (e: RtnlEvent) => void): () => void {
		return this.socket.onMessage((m) => {
			let e: RtnlEvent | null;
			try {
				e = decodeEvent(m);
			} catch (err) {
				if (!isRtnlDecodeError(err)) throw err;
				this.socket.stats.decodeErrors++;
				return;
			}
			if (e) fn(e);
		});
	}

	onOverrun(fn: () => void): () => void {
		return this.socket.onOverrun(fn);
	}

	close(): void {
		this.socket.close();
	}

	private async dump<T>(type: number, encode: (h: NlHeader) => Buffer, decode: (m: NlMessage) => T): Promise<Dump<T>> {
		const reply = await this.socket.request(type, NLM_F_DUMP, encode);
		const items: T[] = [];
		let bad = 0;
		for (const m of reply.messages) {
			if (m.type !== type - 2) continue; // RTM_GETx answers with RTM_NEWx
			try {
				items.push(decode(m));
			} catch (err) {
				if (!isRtnlDecodeError(err)) throw err;
				bad++;
			}
		}
		return { items, interrupted: reply.interrupted, bad };
	}
}
