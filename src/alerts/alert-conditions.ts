import type { FieldError } from '../http/errors.js';
import { BLOCK_REASONS, METHOD_CODES } from '../logging/log-entry.js';

/**
 * What a rule watches: a small typed condition, one shape per kind, checked field by field. Every
 * kind fires when its measured value reaches `threshold` (value >= threshold) and, where it has one,
 * the volume it is measured over reaches `min_volume`.
 */
export const CONDITION_TYPES = [
  'auth_failure_rate',
  'blocked_spike',
  'brute_force_ip',
  'sensitive_admin_action',
  'endpoint_error_rate',
  'log_pipeline',
  'storage_growth',
  'custom',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const CUSTOM_LOGS = ['api-calls', 'failed-api-calls', 'blocked'] as const;
export type CustomLog = (typeof CUSTOM_LOGS)[number];
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

export interface CustomFilters {
  endpoint?: string;
  method?: string;
  status?: number;
  status_class?: (typeof STATUS_CLASSES)[number];
  error_code?: string;
  block_reason?: (typeof BLOCK_REASONS)[number];
}

interface Windowed {
  window_minutes: number;
  threshold: number;
}

export type Condition =
  | ({ type: 'auth_failure_rate'; min_volume: number } & Windowed)
  | ({ type: 'blocked_spike'; baseline_minutes: number; min_volume: number } & Windowed)
  | ({ type: 'brute_force_ip' } & Windowed)
  | ({ type: 'sensitive_admin_action' } & Windowed)
  | ({ type: 'endpoint_error_rate'; min_volume: number } & Windowed)
  | ({ type: 'log_pipeline' } & Windowed)
  | ({ type: 'storage_growth' } & Windowed)
  | ({
      type: 'custom';
      log: CustomLog;
      filters: CustomFilters;
      metric: 'count' | 'rate';
      min_volume: number;
      group_by: 'ip' | 'endpoint' | null;
    } & Windowed);

interface NumberField {
  min: number;
  max: number;
  integer: boolean;
}

const WINDOW: NumberField = { min: 1, max: 1440, integer: true };
const RATE: NumberField = { min: 0.0001, max: 1, integer: false };
const COUNT: NumberField = { min: 1, max: 1e12, integer: true };
const VOLUME: NumberField = { min: 0, max: 1e12, integer: true };

/** The numeric fields of each kind and their ranges; `threshold` of `custom` depends on its metric. */
const NUMBER_FIELDS: Record<ConditionType, Record<string, NumberField>> = {
  auth_failure_rate: { window_minutes: WINDOW, threshold: RATE, min_volume: VOLUME },
  // threshold: how many times the baseline's rate; min_volume: blocked requests needed at the least.
  blocked_spike: {
    window_minutes: WINDOW,
    baseline_minutes: { min: 5, max: 10080, integer: true },
    threshold: { min: 1, max: 1000, integer: false },
    min_volume: VOLUME,
  },
  brute_force_ip: { window_minutes: WINDOW, threshold: COUNT },
  // threshold: deletions by one actor in the window that make a bulk delete.
  sensitive_admin_action: { window_minutes: WINDOW, threshold: COUNT },
  endpoint_error_rate: { window_minutes: WINDOW, threshold: RATE, min_volume: VOLUME },
  log_pipeline: { window_minutes: WINDOW, threshold: COUNT },
  // threshold in bytes; the window may be up to a week.
  storage_growth: { window_minutes: { min: 10, max: 10080, integer: true }, threshold: COUNT },
  custom: { window_minutes: WINDOW, min_volume: VOLUME },
};

const CUSTOM_FIELDS = [
  'type',
  'log',
  'filters',
  'metric',
  'window_minutes',
  'threshold',
  'min_volume',
  'group_by',
];
const FILTER_FIELDS = ['endpoint', 'method', 'status', 'status_class', 'error_code', 'block_reason'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkNumber(errors: FieldError[], field: string, value: unknown, spec: NumberField): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.push({ field, message: 'must be a number' });
    return 0;
  }
  if (spec.integer && !Number.isInteger(value)) errors.push({ field, message: 'must be a whole number' });
  else if (value < spec.min || value > spec.max)
    errors.push({ field, message: `must be between ${spec.min} and ${spec.max}` });
  return value;
}

function checkFilters(errors: FieldError[], raw: unknown, log: unknown): CustomFilters {
  const field = 'condition.filters';
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    errors.push({ field, message: 'must be an object' });
    return {};
  }
  const filters: CustomFilters = {};
  for (const key of Object.keys(raw)) {
    if (!FILTER_FIELDS.includes(key))
      errors.push({ field: `${field}.${key}`, message: 'is not a known filter' });
  }
  const text = (key: string, pattern: RegExp, message: string) => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      errors.push({ field: `${field}.${key}`, message });
      return undefined;
    }
    return value;
  };
  const endpoint = text('endpoint', /^\/[\x21-\x7e]{0,199}$/, 'must be a route pattern starting with /');
  if (endpoint !== undefined) filters.endpoint = endpoint;
  const methods = METHOD_CODES.filter((m) => m !== 'OTHER');
  const method = raw.method;
  if (method !== undefined) {
    if (typeof method === 'string' && (methods as readonly string[]).includes(method))
      filters.method = method;
    else errors.push({ field: `${field}.method`, message: `must be one of ${methods.join(', ')}` });
  }
  if (raw.status !== undefined) {
    filters.status = checkNumber(errors, `${field}.status`, raw.status, {
      min: 100,
      max: 599,
      integer: true,
    });
  }
  if (raw.status_class !== undefined) {
    if ((STATUS_CLASSES as readonly unknown[]).includes(raw.status_class))
      filters.status_class = raw.status_class as CustomFilters['status_class'];
    else
      errors.push({ field: `${field}.status_class`, message: `must be one of ${STATUS_CLASSES.join(', ')}` });
  }
  const errorCode = text('error_code', /^ERR_[A-Z0-9_]{1,60}$/, 'must be an error code (ERR_…)');
  if (errorCode !== undefined) filters.error_code = errorCode;
  if (raw.block_reason !== undefined) {
    if ((BLOCK_REASONS as readonly unknown[]).includes(raw.block_reason))
      filters.block_reason = raw.block_reason as CustomFilters['block_reason'];
    else
      errors.push({ field: `${field}.block_reason`, message: `must be one of ${BLOCK_REASONS.join(', ')}` });
  }
  const apiOnly = ['endpoint', 'status', 'status_class', 'error_code'].filter((k) => raw[k] !== undefined);
  if (log === 'blocked') {
    for (const key of apiOnly)
      errors.push({ field: `${field}.${key}`, message: 'applies to the API-call logs only' });
  } else if (raw.block_reason !== undefined) {
    errors.push({ field: `${field}.block_reason`, message: 'applies to the blocked log only' });
  }
  return filters;
}

function checkCustom(errors: FieldError[], raw: Record<string, unknown>): Condition {
  for (const key of Object.keys(raw)) {
    if (!CUSTOM_FIELDS.includes(key))
      errors.push({ field: `condition.${key}`, message: 'is not a known field' });
  }
  const log = raw.log;
  if (!(CUSTOM_LOGS as readonly unknown[]).includes(log))
    errors.push({ field: 'condition.log', message: `must be one of ${CUSTOM_LOGS.join(', ')}` });
  const metric = raw.metric ?? 'count';
  if (metric !== 'count' && metric !== 'rate')
    errors.push({ field: 'condition.metric', message: 'must be count or rate' });
  const groupBy = raw.group_by ?? null;
  if (groupBy !== null && groupBy !== 'ip' && groupBy !== 'endpoint')
    errors.push({ field: 'condition.group_by', message: 'must be ip, endpoint or null' });
  if (log === 'blocked' && groupBy === 'endpoint')
    errors.push({
      field: 'condition.group_by',
      message: 'endpoint grouping applies to the API-call logs only',
    });
  if (metric === 'rate' && log === 'blocked')
    errors.push({ field: 'condition.metric', message: 'rate applies to the API-call logs only' });
  if (metric === 'rate' && groupBy === 'ip')
    errors.push({ field: 'condition.metric', message: 'rate cannot be grouped by ip; use count' });
  const filters = checkFilters(errors, raw.filters, log);
  const numbers = NUMBER_FIELDS.custom;
  const threshold = checkNumber(
    errors,
    'condition.threshold',
    raw.threshold,
    metric === 'rate' ? RATE : COUNT,
  );
  return {
    type: 'custom',
    log: log as CustomLog,
    filters,
    metric: metric as 'count' | 'rate',
    group_by: groupBy as 'ip' | 'endpoint' | null,
    window_minutes: checkNumber(
      errors,
      'condition.window_minutes',
      raw.window_minutes,
      numbers.window_minutes!,
    ),
    threshold,
    min_volume: checkNumber(errors, 'condition.min_volume', raw.min_volume ?? 0, numbers.min_volume!),
  };
}

/** A condition as given (JSON), checked: the typed condition, or every field that is wrong. */
export function checkCondition(
  raw: unknown,
): { ok: true; condition: Condition } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isObject(raw)) return { ok: false, errors: [{ field: 'condition', message: 'must be an object' }] };
  const type = raw.type;
  if (!(CONDITION_TYPES as readonly unknown[]).includes(type)) {
    return {
      ok: false,
      errors: [{ field: 'condition.type', message: `must be one of ${CONDITION_TYPES.join(', ')}` }],
    };
  }
  let condition: Condition;
  if (type === 'custom') {
    condition = checkCustom(errors, raw);
  } else {
    const fields = NUMBER_FIELDS[type as ConditionType];
    for (const key of Object.keys(raw)) {
      if (key !== 'type' && !(key in fields))
        errors.push({ field: `condition.${key}`, message: 'is not a known field' });
    }
    const values: Record<string, number> = {};
    for (const [key, spec] of Object.entries(fields)) {
      values[key] = checkNumber(errors, `condition.${key}`, raw[key], spec);
    }
    condition = { type, ...values } as Condition;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, condition };
}
