// What the kernel's SAD holds, for status and the node CLI in either dataplane mode:
// SPIs (to tell whether a CHILD SA is installed) and per-SA rows with the kernel's counters.
import { XFRM_MSG } from '../xfrm/codec/constants.js';
import type { XfrmMessage } from '../xfrm/codec/message.js';
import { kernelSeq, saDirection, xfrmToSa, type SaContext } from '../xfrm/convert.js';
import type { KernelSource } from './xfrm-kernel.js';
import type { SaRow } from './control-api.js';

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
