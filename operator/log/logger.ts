// The one logger factory of esplane: pino JSON lines, a fixed message with fields
// (`log.info({spi, node}, 'sa installed')`), and three layers that keep key material out:
//   1. pino's path redaction for the places keys live in our own shapes (SA aead/enc/auth,
//      tunnel auth, Secret data);
//   2. a scrub of every merge object, binding, message and serialized error: any field whose
//      name ends in key/psk/secret/password/token, long 0x-hex strings, PEM private keys and
//      raw byte buffers are replaced (see scrub.ts);
//   3. a last pass over the finished line for key-looking hex, whatever path it came by.
//
// Levels, so that `info` is what an operator reads and `debug` is what a developer reads:
//   error  an action failed and will not heal by itself (bad config, a Secret that cannot be
//          used, the dataplane refusing an SA); someone has to look.
//   warn   degraded but retrying (watch dropped, VICI reconnecting, an SA expired early).
//   info   state changes, once each: tunnel up/down, SA installed/removed, leader elected,
//          agent ready. Never per packet, never per poll.
//   debug  every event and request behind those changes (netlink messages, VICI commands).
//   trace  raw decoded structures, still scrubbed.
// When ESPLANE_LOG_AUDIT_DIR is set, every logger of the process also appends every line (at
// every level, down to trace) to `<dir>/<pid>.ndjson`, so `scripts/check-logs.mjs` can prove
// that no line the test suite produced carries a planted key.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger as PinoLogger, StreamEntry } from 'pino';
import { REDACTED, scrubObject, scrubString, scrubValue } from './scrub.js';

export type Logger = PinoLogger;
export type { Level, LevelWithSilent };

export interface LoggerOptions {
	/** Minimum level written to `destination`. Default: $ESPLANE_LOG_LEVEL, else 'info'. */
	level?: LevelWithSilent;
	/** Where lines go. Default: stdout. Tests hand in a stream and read the lines back. */
	destination?: DestinationStream;
	/** Extra fields on every line (node name, role). */
	base?: Record<string, unknown>;
	/** Directory for the audit copy. Default: $ESPLANE_LOG_AUDIT_DIR; unset means no copy. */
	auditDir?: string;
}

// Where our own shapes keep keys. The scrub catches these too; the paths are the
// documented, cheap first line.
export const REDACT_PATHS = [
	'key', 'psk', 'secret', 'privateKey',
	'*.key', '*.psk', '*.secret', '*.privateKey',
	'*.aead.key', '*.enc.key', '*.auth.key',
	'aead.key', 'enc.key', 'auth.key',
	'*.*.aead.key', '*.*.enc.key', '*.*.auth.key',
];

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function levelFromEnv(): LevelWithSilent {
	const v = process.env['ESPLANE_LOG_LEVEL'];
	return v !== undefined && (LEVELS as readonly string[]).includes(v) ? (v as LevelWithSilent) : 'info';
}

let stdoutStream: DestinationStream | undefined;
function stdout(): DestinationStream {
	stdoutStream ??= pino.destination({ dest: 1, sync: true });
	return stdoutStream;
}

// One audit file per process, shared by every logger in it (sync writes: a test process that
// exits right after its last log line still leaves the line on disk).
const auditStreams = new Map<string, DestinationStream>();

function auditStream(dir: string): DestinationStream {
	const existing = auditStreams.get(dir);
	if (existing) return existing;
	mkdirSync(dir, { recursive: true });
	const stream = pino.destination({ dest: join(dir, `${process.pid}.ndjson`), sync: true, append: true, mkdir: true });
	auditStreams.set(dir, stream);
	return stream;
}

function serializeError(err: unknown): unknown {
	return scrubValue(pino.stdSerializers.err(err as Error));
}

export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
	const level = opts.level ?? levelFromEnv();
	const destination = opts.destination ?? stdout();
	const auditDir = opts.auditDir ?? process.env['ESPLANE_LOG_AUDIT_DIR'];

	let stream: DestinationStream = destination;
	let loggerLevel: LevelWithSilent = level;
	if (auditDir !== undefined && auditDir !== '') {
		const streams: StreamEntry[] = [{ stream: auditStream(auditDir), level: 'trace' }];
		if (level !== 'silent') streams.push({ stream: destination, level });
		stream = pino.multistream(streams);
		loggerLevel = 'trace';
	}

	return pino(
		{
			name,
			level: loggerLevel,
			base: { pid: process.pid, ...(opts.base ? scrubObject(opts.base) : {}) },
			timestamp: pino.stdTimeFunctions.isoTime,
			redact: { paths: REDACT_PATHS, censor: REDACTED },
			serializers: { err: serializeError, error: serializeError, msg: (m: unknown) => (typeof m === 'string' ? scrubString(m) : m) },
			formatters: {
				level: (label) => ({ level: label }),
				bindings: (bindings) => scrubObject(bindings),
				log: (obj) => scrubObject(obj),
			},
			hooks: { streamWrite: (line) => scrubString(line) },
		},
		stream,
	);
}
