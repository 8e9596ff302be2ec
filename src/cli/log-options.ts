import type { TSchema } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { Option, type Command } from 'commander';
import { AppError, validationError } from '../http/errors.js';
import { fieldErrors, validatorCompiler } from '../http/validation.js';
import { systemContext } from '../logging/activity.service.js';
import {
  LOG_NAMES,
  LOG_QUERIES,
  logReaders,
  readActivity,
  type LogName,
  type ReadQuery,
} from '../logging/log-readers.js';
import type { Services } from '../services.js';
import { describeError } from './output.js';

// The `logs` commands' filters: the API's query fields as options, checked by the same schemas.

/** Paging and format are options of their own; every other query field of any log is a filter. */
const NOT_FILTERS = new Set(['limit', 'cursor', 'format']);
const FILTERS: [string, TSchema][] = [];
/** The logs each filter applies to, for the option's help. */
const FILTER_LOGS = new Map<string, LogName[]>();
for (const [log, schema] of Object.entries(LOG_QUERIES) as [LogName, TSchema][]) {
  for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (NOT_FILTERS.has(name)) continue;
    if (!FILTERS.some(([known]) => known === name)) FILTERS.push([name, property]);
    FILTER_LOGS.set(name, [...(FILTER_LOGS.get(name) ?? []), log]);
  }
}
const optionKey = (field: string) => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export interface LogsOptions {
  log: LogName;
  format?: string;
  output?: string;
  progress?: boolean;
  limit?: string;
  cursor?: string;
  follow?: boolean;
  lines?: string;
  interval?: string;
  lookback?: string;
  [filter: string]: unknown;
}

/**
 * Runs a read; one that fails (a bad filter) is recorded as a failed read, as the API's error hook
 * records a refused request.
 */
export async function recordingFailure<T>(
  services: Services,
  log: LogName,
  query: ReadQuery,
  read: () => Promise<T>,
  extra: Record<string, unknown> = {},
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    await services.activity.recordFailure(systemContext('cli'), readActivity(log, query, extra), error);
    throw error;
  }
}

/** The filters as the API takes them, checked by the log's own query schema: the same 422 wording. */
export async function queryOf(services: Services, options: LogsOptions, extra: Record<string, unknown>) {
  const reader = logReaders(services.activity.query, services.requestLogs.query)[options.log];
  if (!reader) throw new Error(`--log must be one of ${LOG_NAMES.join(', ')}`);
  const query: Record<string, unknown> = { ...extra };
  for (const [field] of FILTERS) {
    const value = options[optionKey(field)];
    if (value !== undefined) query[field] = value;
  }
  const validate = validatorCompiler({
    schema: reader.query,
    httpPart: 'querystring',
    method: 'GET',
    url: `/logs/${reader.name}`,
  }) as ValidateFunction;
  await recordingFailure(services, reader.name, query as ReadQuery, async () => {
    if (validate(query)) return;
    const fields = fieldErrors(validate.errors ?? []).map((error) =>
      error.message === 'is not an allowed field'
        ? { ...error, message: `is not a filter of the ${reader.name} log` }
        : error,
    );
    throw validationError(fields);
  });
  return { reader, query: query as ReadQuery };
}

export async function recordRead(
  services: Services,
  log: LogName,
  query: ReadQuery,
  extra: Record<string, unknown> = {},
) {
  await services.activity.record(systemContext('cli'), readActivity(log, query, extra), async () => {});
}

/** A bad filter is named by its option, the way the user typed it. */
export function cliError(error: unknown): Error {
  if (error instanceof AppError && error.code === 'ERR_VALIDATION' && Array.isArray(error.details)) {
    const fields = error.details as { field: string; message: string }[];
    return new Error(
      fields.map(({ field, message }) => `--${field.replace(/_/g, '-')} ${message}`).join('; '),
    );
  }
  return describeError(error);
}

export function wholeNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

const describe = (schema: TSchema | undefined): string | undefined =>
  (schema as { description?: string } | undefined)?.description;

export function withFilters(command: Command): Command {
  command.addOption(new Option('--log <log>', `which log: ${LOG_NAMES.join(', ')}`).makeOptionMandatory());
  for (const [field, schema] of FILTERS) {
    const logs = FILTER_LOGS.get(field) ?? [];
    const known = [...new Set(logs.map((log) => describe(LOG_QUERIES[log].properties[field])))].filter(
      (text): text is string => text !== undefined,
    );
    // A filter the logs describe differently (free text searches different fields) says so.
    const described =
      known.length > 1
        ? `${known[0]!.split(',')[0]}; in which fields, see each log's API reference`
        : known[0];
    const description = described ?? field.replace(/_/g, ' ');
    const where = logs.length < LOG_NAMES.length ? ` [--log ${logs.join(', ')}]` : '';
    const choices = (schema as { enum?: string[] }).enum;
    command.option(
      `--${field.replace(/_/g, '-')} <value>`,
      choices && choices.length <= 8 ? `${description}${where} (${choices.join(', ')})` : description + where,
    );
  }
  return command;
}
