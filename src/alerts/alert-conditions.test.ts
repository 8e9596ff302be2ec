import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from './alert-builtins.js';
import { checkCondition } from './alert-conditions.js';

const custom = {
  type: 'custom',
  log: 'api-calls',
  filters: { endpoint: '/api/v1/licenses/validate', status_class: '5xx' },
  metric: 'rate',
  window_minutes: 5,
  threshold: 0.2,
  min_volume: 10,
};

describe('checkCondition', () => {
  it.each(BUILTIN_RULES.map((r) => [r.builtin, r.condition] as const))(
    'accepts the built-in %s',
    (_name, condition) => {
      expect(checkCondition(condition)).toEqual({ ok: true, condition });
    },
  );

  it('accepts a custom rule and fills its defaults', () => {
    const result = checkCondition({ type: 'custom', log: 'blocked', window_minutes: 10, threshold: 50 });
    expect(result).toEqual({
      ok: true,
      condition: {
        type: 'custom',
        log: 'blocked',
        filters: {},
        metric: 'count',
        group_by: null,
        window_minutes: 10,
        threshold: 50,
        min_volume: 0,
      },
    });
    expect(checkCondition(custom).ok).toBe(true);
  });

  it.each([
    ['not an object', 'x', 'condition'],
    ['an unknown type', { type: 'cpu' }, 'condition.type'],
    [
      'a fractional window',
      { type: 'brute_force_ip', window_minutes: 2.5, threshold: 10 },
      'condition.window_minutes',
    ],
    [
      'a window over a day',
      { type: 'brute_force_ip', window_minutes: 1441, threshold: 10 },
      'condition.window_minutes',
    ],
    ['a missing threshold', { type: 'brute_force_ip', window_minutes: 5 }, 'condition.threshold'],
    [
      'a rate above 1',
      { type: 'auth_failure_rate', window_minutes: 5, threshold: 1.5, min_volume: 1 },
      'condition.threshold',
    ],
    [
      'a threshold given as text',
      { type: 'auth_failure_rate', window_minutes: 5, threshold: '0.1', min_volume: 1 },
      'condition.threshold',
    ],
    [
      'an unknown field',
      { type: 'log_pipeline', window_minutes: 5, threshold: 1, extra: 1 },
      'condition.extra',
    ],
    ['a custom rule on an unknown log', { ...custom, log: 'activity' }, 'condition.log'],
    ['an unknown metric', { ...custom, metric: 'p99' }, 'condition.metric'],
    ['a rate of blocked requests', { ...custom, log: 'blocked', filters: {} }, 'condition.metric'],
    ['a rate grouped by ip', { ...custom, group_by: 'ip' }, 'condition.metric'],
    ['an unknown grouping', { ...custom, group_by: 'country' }, 'condition.group_by'],
    ['an unknown filter', { ...custom, filters: { country: 'FR' } }, 'condition.filters.country'],
    [
      'a block reason on API calls',
      { ...custom, filters: { block_reason: 'GEO_BLOCKED' } },
      'condition.filters.block_reason',
    ],
    [
      'an endpoint on the blocked log',
      { ...custom, log: 'blocked', metric: 'count', threshold: 5, filters: { endpoint: '/x' } },
      'condition.filters.endpoint',
    ],
    [
      'an unknown block reason',
      { ...custom, log: 'blocked', metric: 'count', threshold: 5, filters: { block_reason: 'NOPE' } },
      'condition.filters.block_reason',
    ],
    [
      'an error code in the wrong form',
      { ...custom, filters: { error_code: 'oops' } },
      'condition.filters.error_code',
    ],
    ['a status out of range', { ...custom, filters: { status: 99 } }, 'condition.filters.status'],
    ['an unknown method', { ...custom, filters: { method: 'BREW' } }, 'condition.filters.method'],
    [
      'an endpoint that is not a path',
      { ...custom, filters: { endpoint: 'licenses' } },
      'condition.filters.endpoint',
    ],
  ])('refuses %s, naming %s', (_name, raw, field) => {
    const result = checkCondition(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(field);
  });
});
