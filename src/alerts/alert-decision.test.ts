import { describe, expect, it } from 'vitest';
import { decideAlerts, type Breach } from './alert-decision.js';
import {
  authFailureBreaches,
  blockedSpikeBreaches,
  bruteForceBreaches,
  customBreaches,
  endpointErrorBreaches,
  pipelineBreaches,
  sensitiveActionBreaches,
  storageGrowthBreaches,
} from './alert-measures.js';
import { counterIncrease, gaugeGrowth } from './alert-measure.js';

const NOW = new Date('2024-01-15T14:10:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const breach = (group: string, value = 10): Breach => ({
  group,
  value,
  threshold: 5,
  summary: 's',
  details: {},
});

describe('decideAlerts', () => {
  const cases: {
    name: string;
    breaches: Breach[];
    open: { id: string; group: string }[];
    last: [string, string][];
    fire: string[];
    ongoing: string[];
    resolve: string[];
    cooling: string[];
  }[] = [
    {
      name: 'nothing breaches, nothing open',
      breaches: [],
      open: [],
      last: [],
      fire: [],
      ongoing: [],
      resolve: [],
      cooling: [],
    },
    {
      name: 'a first breach fires',
      breaches: [breach('')],
      open: [],
      last: [],
      fire: [''],
      ongoing: [],
      resolve: [],
      cooling: [],
    },
    {
      name: 'an open alert still breaching is ongoing, not fired again',
      breaches: [breach('')],
      open: [{ id: 'a1', group: '' }],
      last: [['', minutesAgo(5)]],
      fire: [],
      ongoing: ['a1'],
      resolve: [],
      cooling: [],
    },
    {
      name: 'an open alert no longer breaching resolves',
      breaches: [],
      open: [{ id: 'a1', group: '' }],
      last: [['', minutesAgo(5)]],
      fire: [],
      ongoing: [],
      resolve: ['a1'],
      cooling: [],
    },
    {
      name: 'a breach within the cool-down of the last start stays quiet',
      breaches: [breach('')],
      open: [],
      last: [['', minutesAgo(29)]],
      fire: [],
      ongoing: [],
      resolve: [],
      cooling: [''],
    },
    {
      name: 'a breach once the cool-down has passed fires again',
      breaches: [breach('')],
      open: [],
      last: [['', minutesAgo(30)]],
      fire: [''],
      ongoing: [],
      resolve: [],
      cooling: [],
    },
    {
      name: 'groups are independent: one cools down, another fires, a third resolves',
      breaches: [breach('10.0.0.1'), breach('10.0.0.2')],
      open: [{ id: 'a3', group: '10.0.0.3' }],
      last: [
        ['10.0.0.1', minutesAgo(10)],
        ['10.0.0.3', minutesAgo(10)],
      ],
      fire: ['10.0.0.2'],
      ongoing: [],
      resolve: ['a3'],
      cooling: ['10.0.0.1'],
    },
    {
      name: 'a group listed twice fires once',
      breaches: [breach('x'), breach('x')],
      open: [],
      last: [],
      fire: ['x'],
      ongoing: [],
      resolve: [],
      cooling: [],
    },
  ];
  it.each(cases)('$name', (c) => {
    const d = decideAlerts({
      breaches: c.breaches,
      open: c.open,
      lastStarted: new Map(c.last),
      cooldownMinutes: 30,
      now: NOW,
    });
    expect(d.fire.map((b) => b.group)).toEqual(c.fire);
    expect(d.ongoing.map((o) => o.alert.id)).toEqual(c.ongoing);
    expect(d.resolve.map((a) => a.id)).toEqual(c.resolve);
    expect(d.coolingDown.map((x) => x.breach.group)).toEqual(c.cooling);
  });

  it('says until when a cooling-down group stays quiet', () => {
    const d = decideAlerts({
      breaches: [breach('')],
      open: [],
      lastStarted: new Map([['', minutesAgo(10)]]),
      cooldownMinutes: 30,
      now: NOW,
    });
    expect(d.coolingDown[0]!.until).toBe(new Date(NOW.getTime() + 20 * 60_000).toISOString());
  });
});

describe('condition measures', () => {
  const auth = { type: 'auth_failure_rate', window_minutes: 5, threshold: 0.1, min_volume: 100 } as const;
  it.each([
    { total: 15432, failures: 2108, fires: true },
    { total: 1000, failures: 100, fires: true },
    { total: 1000, failures: 99, fires: false },
    { total: 99, failures: 99, fires: false },
    { total: 0, failures: 0, fires: false },
  ])('auth failure rate: $failures of $total → $fires', ({ total, failures, fires }) => {
    const out = authFailureBreaches(auth, { total, failures, by_error_code: [] });
    expect(out.length > 0).toBe(fires);
    if (fires) expect(out[0]!.value).toBeCloseTo(failures / total);
  });

  it('auth failure summary states the rate, the counts and the threshold', () => {
    const [b] = authFailureBreaches(auth, { total: 15432, failures: 2108, by_error_code: [] });
    expect(b!.summary).toBe(
      'Authentication failure rate 13.7% (2108 of 15432 calls) over 5 minutes; threshold 10%',
    );
  });

  const spike = {
    type: 'blocked_spike',
    window_minutes: 5,
    baseline_minutes: 60,
    threshold: 5,
    min_volume: 100,
  } as const;
  it.each([
    { window: 99, baseline: 0, fires: false, threshold: 100 },
    { window: 100, baseline: 0, fires: true, threshold: 100 },
    // 1200 in the hour: 100 usual in five minutes, five times that is 500.
    { window: 499, baseline: 1200, fires: false, threshold: 500 },
    { window: 500, baseline: 1200, fires: true, threshold: 500 },
  ])(
    'blocked spike: $window against a baseline of $baseline → $fires',
    ({ window, baseline, fires, threshold }) => {
      const out = blockedSpikeBreaches(spike, { window, baseline });
      expect(out.length > 0).toBe(fires);
      if (fires) expect(out[0]!.threshold).toBe(threshold);
    },
  );

  it('brute force: one alert per address at the threshold', () => {
    const out = bruteForceBreaches({ type: 'brute_force_ip', window_minutes: 10, threshold: 100 }, [
      { ip: '198.51.100.15', count: 1845 },
      { ip: '203.0.113.9', count: 100 },
      { ip: '203.0.113.10', count: 99 },
    ]);
    expect(out.map((b) => b.group)).toEqual(['198.51.100.15', '203.0.113.9']);
  });

  const sensitive = { type: 'sensitive_admin_action', window_minutes: 5, threshold: 3 } as const;
  const entry = (action_type: string, details: Record<string, unknown> = {}, admin_user = 'a@x.test') => ({
    id: `log_${action_type}`,
    timestamp: NOW.toISOString(),
    admin_user,
    action_type,
    resource_type: 'x',
    resource: null,
    details,
  });
  it.each([
    { name: 'a settings change', entries: [entry('SETTINGS_UPDATED')], fires: true },
    {
      name: 'a new owner',
      entries: [entry('ADMIN_CREATED', { changes: { role: { before: null, after: 'owner' } } })],
      fires: true,
    },
    {
      name: 'the first owner, made at first start',
      entries: [entry('ADMIN_CREATED', { changes: { role: { before: null, after: 'owner' } } }, 'startup')],
      fires: false,
    },
    {
      name: 'a new viewer',
      entries: [entry('ADMIN_CREATED', { changes: { role: { before: null, after: 'viewer' } } })],
      fires: false,
    },
    {
      name: 'an alert rule disabled',
      entries: [entry('ALERT_RULE_UPDATED', { changes: { enabled: { before: true, after: false } } })],
      fires: true,
    },
    { name: 'two deletions', entries: [entry('LICENSE_DELETED'), entry('LICENSE_DELETED')], fires: false },
    {
      name: 'three deletions by one admin (bulk)',
      entries: [entry('LICENSE_DELETED'), entry('CUSTOMER_DELETED'), entry('LICENSE_DELETED')],
      fires: true,
    },
    {
      name: 'three deletions by three admins',
      entries: [
        entry('LICENSE_DELETED', {}, 'a'),
        entry('LICENSE_DELETED', {}, 'b'),
        entry('LICENSE_DELETED', {}, 'c'),
      ],
      fires: false,
    },
  ])('sensitive admin action: $name → $fires', ({ entries, fires }) => {
    expect(sensitiveActionBreaches(sensitive, entries).length > 0).toBe(fires);
  });

  it('endpoint error rate: per endpoint, with a minimum volume', () => {
    const out = endpointErrorBreaches(
      { type: 'endpoint_error_rate', window_minutes: 5, threshold: 0.05, min_volume: 20 },
      [
        { endpoint: '/a', calls: 100, errors: 5 },
        { endpoint: '/b', calls: 100, errors: 4 },
        { endpoint: '/c', calls: 19, errors: 19 },
      ],
    );
    expect(out.map((b) => b.group)).toEqual(['/a']);
  });

  it('log pipeline: dropped and spooled are separate groups', () => {
    const c = { type: 'log_pipeline', window_minutes: 5, threshold: 1 } as const;
    expect(pipelineBreaches(c, { dropped: 0, spooled: 0 })).toEqual([]);
    expect(pipelineBreaches(c, { dropped: 3, spooled: 7 }).map((b) => [b.group, b.value])).toEqual([
      ['dropped', 3],
      ['spooled', 7],
    ]);
  });

  it('storage growth needs two samples and the threshold', () => {
    const c = { type: 'storage_growth', window_minutes: 1440, threshold: 1000 } as const;
    expect(storageGrowthBreaches(c, null)).toEqual([]);
    expect(storageGrowthBreaches(c, { bytes: 999, from: 'a', to: 'b' })).toEqual([]);
    expect(storageGrowthBreaches(c, { bytes: 1000, from: 'a', to: 'b' })).toHaveLength(1);
  });

  it('custom rate rules honour the minimum volume; count rules compare the count', () => {
    const rate = {
      type: 'custom',
      log: 'api-calls',
      filters: { status_class: '5xx' },
      metric: 'rate',
      window_minutes: 5,
      threshold: 0.5,
      min_volume: 10,
      group_by: null,
    } as const;
    expect(customBreaches(rate, [{ group: '', matching: 9, volume: 9 }], 'x')).toEqual([]);
    expect(customBreaches(rate, [{ group: '', matching: 5, volume: 10 }], 'x')).toHaveLength(1);
    const count = { ...rate, metric: 'count', threshold: 50, min_volume: 0 } as const;
    expect(customBreaches(count, [{ group: '', matching: 49, volume: 1000 }], 'x')).toEqual([]);
    expect(customBreaches(count, [{ group: '', matching: 50, volume: 1000 }], 'x')).toHaveLength(1);
  });
});

describe('samples over a window', () => {
  const s = (source: string, at: string, value: number) => ({ source, measured_at: at, value });
  it('sums each process’s counter increase; a process that started inside the window counts from 0', () => {
    expect(
      counterIncrease({
        before: [s('p1', 'a', 10)],
        within: [s('p1', 'b', 12), s('p1', 'c', 15), s('p2', 'b', 4)],
      }),
    ).toBe(5 + 4);
  });
  it('a counter that went back (restart) never counts negative', () => {
    expect(counterIncrease({ before: [s('p1', 'a', 10)], within: [s('p1', 'b', 0)] })).toBe(0);
  });
  it('growth is the last sample in the window minus the first', () => {
    expect(gaugeGrowth({ within: [s('d', 'b', 150), s('d', 'c', 400)] })).toEqual({
      bytes: 250,
      from: 'b',
      to: 'c',
    });
    expect(gaugeGrowth({ within: [s('d', 'b', 150)] })).toBeNull();
  });
});
