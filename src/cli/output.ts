import pino from 'pino';
import type { Config } from '../config/config.js';
import { AppError } from '../http/errors.js';
import { createServices, type Services } from '../services.js';

export interface CliOutput {
  out(line: string): void;
}

export const stdout: CliOutput = { out: (line) => process.stdout.write(`${line}\n`) };

/** One line a person can act on: an AppError's message plus the fields it names, never a value. */
export function describeError(error: unknown): Error {
  if (!(error instanceof AppError)) return error instanceof Error ? error : new Error(String(error));
  const fields = Array.isArray(error.details)
    ? (error.details as { field?: unknown; message?: unknown }[])
        .map((d) => `${String(d.field)} ${String(d.message)}`)
        .join('; ')
    : '';
  return new Error(fields || error.message);
}

/** Services for one command; log lines go to stderr so stdout carries only the command's answer. */
export function cliServices(config: Config): Promise<Services> {
  return createServices(config, { logger: pino({ level: config.logLevel }, pino.destination(2)) });
}
