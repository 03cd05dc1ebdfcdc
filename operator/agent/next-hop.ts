// Where the dataplane will send a packet for an outer destination: the longest-prefix route
// among the mirrored ones, and its gateway or, for a connected route, the destination itself.
// The agent uses it to have the kernel resolve the next hop of every outbound SA before the
// first packet needs it (a connected peer is not a route gateway, so nothing else would).
import { isIP } from 'node:net';
import type { RouteEntry } from '../dataplane/control.js';

/** {address} => its bits and width, or undefined for anything that is not an address */
export function addressBits(ip: string): { bits: bigint; width: 32 | 128 } | undefined {
	const family = isIP(ip);
	if (family === 4) return { bits: ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n), width: 32 };
	if (family !== 6) return undefined;
	let text = ip;
	const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (v4) {
		const b = addressBits(v4[1]!)!.bits;
		text = `${text.slice(0, -v4[1]!.length)}${(b >> 16n).toString(16)}:${(b & 0xffffn).toString(16)}`;
	}
	const [head, tail] = text.split('::') as [string, string | undefined];
	const h = head ? head.split(':') : [];
	const t = tail ? tail.split(':') : [];
	const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
	return { bits: groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}

/** {destination, routes} => the next hop {ip, port}, or undefined when no route matches */
export function nextHopOf(dst: string, routes: readonly RouteEntry[]): { ip: string; port: string } | undefined {
	const d = addressBits(dst);
	if (!d) return undefined;
	let best: RouteEntry | undefined;
	let bestLen = -1;
	for (const r of routes) {
		const [net, lenText] = r.dst.split('/') as [string, string | undefined];
		const n = addressBits(net);
		if (!n || n.width !== d.width) continue;
		const len = lenText === undefined ? d.width : Number(lenText);
		if (len <= bestLen) continue;
		const shift = BigInt(d.width - len);
		if (d.bits >> shift === n.bits >> shift) {
			best = r;
			bestLen = len;
		}
	}
	return best ? { ip: best.via ?? dst, port: best.port } : undefined;
}
