// Tests start charons the way the demo does: one implementation, in operator/demo/charon.ts.
export * from '../../operator/demo/charon.js';
