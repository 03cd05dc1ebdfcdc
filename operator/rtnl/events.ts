// One handler per rtnetlink notification: {message} => a typed event. Unknown types are
// ignored (null); bad bytes throw RtnlDecodeError for the caller to count.
import { RTM_DELLINK, RTM_DELNEIGH, RTM_DELROUTE, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE } from './codec/constants.js';
import { decodeLink } from './codec/link.js';
import type { Link } from './codec/link.js';
import { decodeNeighbor } from './codec/neigh.js';
import type { Neighbor } from './codec/neigh.js';
import type { NlMessage } from './codec/netlink.js';
import { decodeRoute } from './codec/route.js';
import type { Route } from './codec/route.js';

export type RtnlEvent =
	| { kind: 'neighbor'; op: 'new' | 'del'; neighbor: Neighbor }
	| { kind: 'route'; op: 'new' | 'del'; route: Route }
	| { kind: 'link'; op: 'new' | 'del'; link: Link };

const HANDLERS: ReadonlyMap<number, (m: NlMessage) => RtnlEvent> = new Map([
	[RTM_NEWNEIGH, (m: NlMessage): RtnlEvent => ({ kind: 'neighbor', op: 'new', neighbor: decodeNeighbor(m) })],
	[RTM_DELNEIGH, (m: NlMessage): RtnlEvent => ({ kind: 'neighbor', op: 'del', neighbor: decodeNeighbor(m) })],
	[RTM_NEWROUTE, (m: NlMessage): RtnlEvent => ({ kind: 'route', op: 'new', route: decodeRoute(m) })],
	[RTM_DELROUTE, (m: NlMessage): RtnlEvent => ({ kind: 'route', op: 'del', route: decodeRoute(m) })],
	[RTM_NEWLINK, (m: NlMessage): RtnlEvent => ({ kind: 'link', op: 'new', link: decodeLink(m) })],
	[RTM_DELLINK, (m: NlMessage): RtnlEvent => ({ kind: 'link', op: 'del', link: decodeLink(m) })],
]);

export function decodeEvent(m: NlMessage): RtnlEvent | null {
	const handler = HANDLERS.get(m.type);
	return handler ? handler(m) : null;
}
