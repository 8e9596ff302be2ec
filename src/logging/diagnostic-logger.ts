import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/config.js';
import { maskText, sanitizeValueDeep } from './mask.js';

/**
 * The server's own diagnostic output (pino), routed through the same masking as the logs: every
 * field, at any depth, and the message itself, so no line carries a secret or a forged line break.
 */
export function createDiagnosticLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    formatters: { log: (object) => sanitizeValueDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? maskText(arg) : arg));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
