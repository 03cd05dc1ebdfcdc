// What handling one XFRM message does to the observed tables. Handlers only update the
// tables (the kernel's state); the mirror then looks again and applies the difference.
import type { XfrmMessage } from '../codec/message.js';
import type { KernelTables } from '../state.js';

/** changed: the tables moved; resync: only a full dump can tell; ignored: nothing to do */
export type HandlerResult = 'changed' | 'resync' | 'ignored';

export interface Handler {
	/** XFRM message types this handler takes */
	types: readonly number[];
	handle(tables: KernelTables, msg: XfrmMessage): HandlerResult;
}
