// What the kernel's SAD holds, for status and the node CLI in either dataplane mode:
// SPIs (to tell whether a CHILD SA is installed) and per-SA rows with the kernel's counters.
import { XFRM_MSG } from '../xfrm/codec/constants.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { kernelSeq, saDirection, xfrmToSa, type SaContext } from '../xfrm/convert.js';
import type { KernelSource } from './xfrm-kernel.js';
import type { SaRow } from './control-api.js';
import type { DpPolicy } from '../dataplane/types.js';

type SaMessage = Extract<XfrmMessage, { kind: 'sa' }>;

const isSa = (m: XfrmMessage): m is SaMessage => m.kind === 'sa';

export async function kernelSaMessages(kernel: KernelSource): Promise<SaMessage[]> {
	return (await kernel.dump(XFRM_MSG.GETSA)).filter(isSa);
}

/** {kernel} => the SPIs of every SA, lower-case hex without 0x or leading zeros (charon's style). */
export async function kernelSpis(kernel: KernelSource): Promise<Set<string>> {
	return new Set((await kernelSaMessages(kernel)).map(m => (m.body.id.spi >>> 0).toString(16)));
}

/** Rows for `esplane sa list` in kernel mode: the kernel's own SAs and counters. */
export function kernelSaRows(msgs: SaMessage[], ctx: SaContext): SaRow[] {
	return msgs.map(m => {
		const sa = { info: m.body, attrs: m.attrs };
		const dir = saDirection(sa, ctx);
		const dp = xfrmToSa(sa, ctx);
		const alg = dp.ok
			? dp.value.aead ? `${dp.value.aead.name} ${dp.value.aead.icvBits}` : `${dp.value.enc?.name ?? '?'} + ${dp.value.auth?.name ?? '?'}`
			: `(${dp.reason})`;
		return {
			spi: `0x${(m.body.id.spi >>> 0).toString(16).padStart(8, '0')}`,
			dir,
			src: m.body.saddr,
			dst: m.body.id.daddr,
			algorithm: alg,
			encap: dp.ok && dp.value.encap ? `espinudp ${dp.value.encap.sport}:${dp.value.encap.dport}` : null,
			esn: dp.ok ? dp.value.esn ?? false : false,
			packets: Number(m.body.curlft.packets),
			bytes: Number(m.body.curlft.bytes),
			seq: Number(kernelSeq(sa, dir)),
			lastUsed: Number(m.body.curlft.useTime),
		} satisfies SaRow;
	});
}

const ACTIONS = ['allow', 'block'] as const;
const DIRS = ['in', 'out', 'fwd'] as const;
const PROTOS: Record<number, DpPolicy['proto']> = { 0: 'any', 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };

/** Rows for `esplane sp list` in kernel mode: the kernel's own SPD (allow with a template = protect). */
export async function kernelPolicyRows(kernel: KernelSource): Promise<DpPolicy[]> {
	const msgs = (await kernel.dump(XFRM_MSG.GETPOLICY)).filter((m): m is Extract<XfrmMessage, { kind: 'policy' }> => m.kind === 'policy');
	const rows: DpPolicy[] = [];
	for (const m of msgs) {
		const p = m.body;
		const dir = DIRS[p.dir];
		// fwd policies govern forwarded traffic like `in`; the socket policies (dir >= 3) are charon's own.
		if (dir === undefined) continue;
		const hasTemplate = m.attrs.some(a => a.kind === 'tmpl');
		const port = (v: number, mask: number) => (mask ? v : undefined);
		rows.push({
			dir: dir === 'out' ? 'out' : 'in',
			src: `${p.sel.saddr}/${p.sel.prefixlenS}`,
			dst: `${p.sel.daddr}/${p.sel.prefixlenD}`,
			proto: PROTOS[p.sel.proto] ?? p.sel.proto,
			...(port(p.sel.sport, p.sel.sportMask) !== undefined ? { sport: p.sel.sport } : {}),
			...(port(p.sel.dport, p.sel.dportMask) !== undefined ? { dport: p.sel.dport } : {}),
			action: ACTIONS[p.action] === 'block' ? 'discard' : hasTemplate ? 'protect' : 'bypass',
			priority: p.priority,
		});
	}
	return rows;
}
