// The dataplane folder's public surface: the koffi binding, its error, the shared contracts.
export { KoffiDataplane } from './binding.js';
export type { DataplaneOptions, PortCounters } from './binding.js';
export { DataplaneError, isDataplaneError } from './error.js';
export type { DataplaneControl, SaCounters, SaKey } from './control.js';
export type * from './types.js';
