// One handler per XFRM message type the mirror listens to.
import type { XfrmMessage } from '../codec/message.js';
import type { KernelTables } from '../state.js';
import { delPolicy } from './delpolicy.js';
import { delSa } from './delsa.js';
import { expire, polexpire } from './expire.js';
import { flushPolicy, flushSa } from './flush.js';
import type { Handler, HandlerResult } from './handler.js';
import { mapping } from './mapping.js';
import { newPolicy } from './newpolicy.js';
import { newSa } from './newsa.js';

export type { Handler, HandlerResult } from './handler.js';

const handlers: readonly Handler[] = [newSa, delSa, newPolicy, delPolicy, flushSa, flushPolicy, expire, polexpire, mapping];
const byType = new Map<number, Handler>(handlers.flatMap(h => h.types.map(t => [t, h] as const)));

/** {tables, message} => what the message did; unknown types are ignored */
export function handleMessage(tables: KernelTables, msg: XfrmMessage): HandlerResult {
	return byType.get(msg.type)?.handle(tables, msg) ?? 'ignored';
}
