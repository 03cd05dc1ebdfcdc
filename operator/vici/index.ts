// The public surface of the VICI client.
export * from './codec.js';
export * from './errors.js';
export { FrameReader, frame } from './transport.js';
export { ViciClient, type ViciClientOptions, type RequestOptions, type StreamResult } from './client.js';
export * as commands from './commands.js';
