// Public surface of the logging module.
export { createLogger, REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions, Level, LevelWithSilent } from './logger.js';
export { REDACTED, isSecretFieldName, scrubString, scrubValue } from './scrub.js';
