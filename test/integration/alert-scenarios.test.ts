import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_FAILURE_CODES } from '../../src/logging/analytics/analytics.service.js';
import { verifySignature } from '../../src/shared/hmac-signature.js';
import {
  builtinRules,
  evaluateAt,
  listAlerts,
  spread,
  startHookReceiver,
  type AlertRuleView,
  type AlertView,
} from '../helpers/alerts.js';
import { seedRequestLogs, type SeedCall } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';

const MINUTE = 60_000;
const at = (base: string, minutes: number) => new Date(Date.parse(base) + minutes * MINUTE).toISOString();
const HOOK_SECRET = 'alert-hook-secret-canary-0123456789';

interface Blocked {
  at: string;
  reason: string;
  ip?: string;
}

/** The auth-failure share of a 5-minute window ending at `end`, counted from the seeded facts themselves. */
function authWindow(calls: SeedCall[], end: string) {
  const to = Date.parse(end);
  const inside = calls.filter((c) => Date.parse(c.at) >= to - 5 * MINUTE && Date.parse(c.at) < to);
  const failures = inside.filter(
    (c) => c.status !== undefined && c.status >= 400 && AUTH_FAILURE_CODES.includes(c.error_code ?? ''),
  );
  return { total: inside.length, rate: inside.length === 0 ? 0 : failures.length / inside.length };
}

const ofRule = (alerts: AlertView[], rule: AlertRuleView) => alerts.filter((a) => a.rule_id === rule.id);

describe.each(DIALECTS)('alert scenarios on %s', (dialect) => {
  let t: TestContext;
  let smtp: SmtpReceiver;
  let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
  let rules: Record<string, AlertRuleView>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    // The first delivery of the first webhook fails: the notifier retries after a backoff.
    hooks = await startHookReceiver([500]);
    t = await createTestApp(dialect, (config) => {
      config.smtp.url = smtp.url;
    });
    rules = await builtinRules(t);
    const patch = async (id: string, payload: Record<string, unknown>) => {
      const response = await t.request({ method: 'PATCH', url: `/api/v1/alerts/rules/${id}`, payload });
      expect(response.statusCode, response.body).toBe(200);
    };
    await patch(rules.auth_failure_rate!.id, { notify: { emails: ['security@vendor.test'] } });
    await patch(rules.brute_force_ip!.id, {
      notify: { webhook_url: hooks.url, webhook_secret: HOOK_SECRET },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await hooks.close();
  });

  it('a day of ordinary traffic fires nothing', async () => {
    const day = '2024-03-01T00:00:00.000Z';
    const end = at(day, 24 * 60);
    const calls = spread(day, end, 5, (when, i) => {
      if (i % 50 === 7)
        return { at: when, status: 401, error_code: 'ERR_INVALID_API_KEY', ip: `203.0.113.${i % 200}` };
      if (i % 900 === 11) return { at: when, status: 500, error_code: 'ERR_INTERNAL' };
      if (i % 40 === 3)
        return { at: when, status: 404, error_code: 'ERR_LICENSE_NOT_FOUND', ip: `192.0.2.${i % 100}` };
      return { at: when, ip: `198.51.100.${i % 60}` };
    });
    const blocked = spread<Blocked>(day, end, 0.1, (when, i) => ({
      at: when,
      reason: i % 2 ? 'GEO_BLOCKED' : 'RATE_LIMIT_EXCEEDED',
      ip: `192.0.2.${200 + (i % 50)}`,
    }));
    await seedRequestLogs(t.services.core.db, calls, blocked);
    // Every five minutes: the built-ins' windows tile the whole day.
    for (let m = 5; m <= 24 * 60; m += 5) {
      const report = await evaluateAt(t, at(day, m));
      expect(report.evaluated).toBe(true);
      expect(report.failed_rules).toEqual([]);
    }
    expect(await listAlerts(t, `&from=${day}&to=${end}`)).toEqual([]);
  });

  it('replays the authentication-failure spike: fires within one interval, emails, resolves', async () => {
    const start = '2024-01-15T14:00:00.000Z';
    const perMinute = 257; // 15,432 requests in the hour
    const normal = (when: string, i: number): SeedCall =>
      i % 100 === 0
        ? { at: when, status: 401, error_code: 'ERR_INVALID_API_KEY', ip: `203.0.113.${i % 250}` }
        : { at: when, ip: `198.51.100.${20 + (i % 50)}` };
    const calls = [
      ...spread(at(start, -10), start, perMinute, normal),
      // Customer 4892's test key in production from one address, and keys that expired at midnight.
      ...spread(start, at(start, 12), perMinute, (when, i) => {
        const slot = i % perMinute;
        if (slot < 31)
          return {
            at: when,
            status: 401,
            error_code: 'ERR_INVALID_API_KEY',
            ip: '198.51.100.15',
            user_agent: 'Python-urllib/3.8',
          };
        if (slot < 35)
          return { at: when, status: 401, error_code: 'ERR_API_KEY_EXPIRED', ip: `192.0.2.${slot}` };
        return { at: when, ip: `198.51.100.${20 + (i % 50)}` };
      }),
      ...spread(at(start, 12), at(start, 30), perMinute, normal),
    ];
    await seedRequestLogs(t.services.core.db, calls);

    const evaluations = Array.from({ length: 31 }, (_, i) => at(start, i - 5));
    const expectedFire = evaluations.find((m) => {
      const w = authWindow(calls, m);
      return w.total >= 100 && w.rate >= 0.1;
    })!;
    const expectedResolve = evaluations.find((m) => m > expectedFire && authWindow(calls, m).rate < 0.1)!;
    let firedAt: string | null = null;
    let resolvedAt: string | null = null;
    for (const m of evaluations) {
      const report = await evaluateAt(t, m);
      const auth = ofRule(await listAlerts(t, `&from=${at(start, -10)}`), rules.auth_failure_rate!);
      if (!firedAt && auth.length > 0) firedAt = m;
      if (!resolvedAt && auth.some((a) => a.state === 'resolved')) resolvedAt = m;
      expect(report.failed_rules).toEqual([]);
    }
    expect(firedAt).toBe(expectedFire);
    expect(resolvedAt).toBe(expectedResolve);

    const alerts = await listAlerts(t, `&from=${at(start, -10)}`);
    const [auth] = ofRule(alerts, rules.auth_failure_rate!);
    expect(ofRule(alerts, rules.auth_failure_rate!)).toHaveLength(1);
    expect(auth).toMatchObject({
      state: 'resolved',
      severity: 'critical',
      started_at: expectedFire,
      resolved_at: expectedResolve,
      threshold: 0.1,
    });
    expect(auth!.value).toBeGreaterThanOrEqual(0.1);
    expect(auth!.summary).toMatch(
      /^Authentication failure rate \d+(\.\d)?% \(\d+ of \d+ calls\) over 5 minutes; threshold 10%$/,
    );

    // The address behind the invalid key is the brute-force rule's, one alert for it; nothing else fired.
    const brute = ofRule(alerts, rules.brute_force_ip!);
    expect(brute.map((a) => a.group)).toEqual(['198.51.100.15']);
    expect(
      alerts.filter(
        (a) => a.rule_id !== rules.auth_failure_rate!.id && a.rule_id !== rules.brute_force_ip!.id,
      ),
    ).toEqual([]);

    // The email, fired then resolved, at the real SMTP server.
    const emails = await smtp.waitFor(2);
    const fired = await simpleParser(emails[0]!.raw);
    expect(emails[0]!.to).toEqual(['security@vendor.test']);
    expect(fired.subject).toBe('[KeyManager] FIRING critical: Authentication failure rate');
    expect(fired.text).toContain(auth!.summary);
    expect(fired.text).toContain(`Alert id: ${auth!.id}`);
    expect(fired.text).toContain('Threshold: 0.1');
    expect(fired.html).toContain('<th align="left">Rule</th><td>Authentication failure rate</td>');
    const resolved = await simpleParser(emails[1]!.raw);
    expect(resolved.subject).toBe('[KeyManager] RESOLVED critical: Authentication failure rate');
    expect(resolved.text).toContain(`Resolved: ${expectedResolve}`);

    const detail = await t.request({ method: 'GET', url: `/api/v1/alerts/${auth!.id}` });
    expect(detail.statusCode).toBe(200);
    expect(detail.json<AlertView>().notifications!.map((n) => [n.event, n.channel, n.status])).toEqual([
      ['fired', 'email', 'sent'],
      ['resolved', 'email', 'sent'],
    ]);
    expect(detail.body).not.toContain('smtp-pass-canary');

    // The webhook: retried once after the receiver's 500, signed, and the signature verifies.
    const firedHooks = hooks.received.filter((h) => JSON.parse(h.body).event === 'alert.fired');
    expect(firedHooks).toHaveLength(2);
    for (const hook of firedHooks) {
      const signature = hook.headers['keymanager-signature'] as string;
      const timestamp = hook.headers['keymanager-timestamp'] as string;
      expect(verifySignature(HOOK_SECRET, hook.body, signature, timestamp, t.clock.now(), 24 * 3600)).toBe(
        true,
      );
      expect(
        verifySignature(
          'another-secret-0123456789',
          hook.body,
          signature,
          timestamp,
          t.clock.now(),
          24 * 3600,
        ),
      ).toBe(false);
      expect(hook.body).not.toContain(HOOK_SECRET);
    }
    const payload = JSON.parse(firedHooks[1]!.body);
    expect(payload.alert).toMatchObject({
      id: brute[0]!.id,
      rule_id: rules.brute_force_ip!.id,
      group: '198.51.100.15',
      state: 'firing',
    });
    const bruteDetail = (
      await t.request({ method: 'GET', url: `/api/v1/alerts/${brute[0]!.id}` })
    ).json<AlertView>();
    expect(bruteDetail.notifications![0]).toMatchObject({
      channel: 'webhook',
      status: 'sent',
      attempts: 2,
      response_status: 200,
      target: hooks.url,
    });
    expect(t.sleeps.some((ms) => ms >= 0 && ms <= 1000)).toBe(true);
  });

  it('replays the credential-stuffing timeline: the blocked spike fires at the first evaluation after blocking starts', async () => {
    const start = '2024-02-10T14:00:00.000Z';
    const ips = Array.from({ length: 342 }, (_, i) => `10.${(i >> 8) + 40}.${i & 255}.7`);
    const normal = (when: string, i: number): SeedCall => ({ at: when, ip: `198.51.100.${20 + (i % 50)}` });
    const calls = [
      ...spread(start, at(start, 25), 50, normal),
      // 14:15:30 — 2,000+ calls a minute guessing keys in sequence, from a botnet.
      ...spread('2024-02-10T14:15:30.000Z', at(start, 16), 2000, (when, i) => ({
        at: when,
        status: 401,
        error_code: 'ERR_INVALID_API_KEY',
        ip: ips[i % ips.length]!,
        user_agent: `agent-${i % 17}`,
      })),
    ];
    // 14:16:00 — rate limits trigger; blocks until 14:19.
    const blocked: Blocked[] = [
      ...spread<Blocked>(at(start, -60), at(start, 16), 0.1, (when) => ({
        at: when,
        reason: 'RATE_LIMIT_EXCEEDED',
        ip: '192.0.2.9',
      })),
      ...spread<Blocked>(at(start, 16), at(start, 19), 1530, (when, i) => ({
        at: when,
        reason: i % 100 < 89 ? 'RATE_LIMIT_EXCEEDED' : 'IP_BLOCKLISTED',
        ip: ips[i % ips.length]!,
      })),
    ];
    await seedRequestLogs(t.services.core.db, calls, blocked);

    const fired: Record<string, string> = {};
    const resolved: Record<string, string> = {};
    for (let m = 10; m <= 26; m++) {
      await evaluateAt(t, at(start, m));
      for (const a of await listAlerts(t, `&from=${start}`)) {
        fired[a.rule_id] ??= at(start, m);
        if (a.state === 'resolved') resolved[a.rule_id] ??= at(start, m);
      }
    }
    // The first evaluation whose window holds the guessing (14:15:30) and the blocks (14:16).
    expect(fired[rules.auth_failure_rate!.id]).toBe(at(start, 16));
    expect(fired[rules.blocked_spike!.id]).toBe(at(start, 17));
    // Blocks ended at 14:19: the first five-minute window without any is 14:19–14:24.
    expect(resolved[rules.blocked_spike!.id]).toBe(at(start, 24));
    // The botnet spreads its tries (about 3 per address): no address reaches the brute-force threshold.
    expect(fired[rules.brute_force_ip!.id]).toBeUndefined();
    const [spike] = ofRule(await listAlerts(t, `&from=${start}`), rules.blocked_spike!);
    expect(spike!.value).toBeGreaterThanOrEqual(1530);
    expect(spike!.summary).toMatch(
      /^\d+ blocked requests in 5 minutes, usually \d+(\.\d)? \(threshold 100\)$/,
    );
  });

  it('a custom rule honours its cool-down and fires again once it has passed', async () => {
    const create = await t.request({
      method: 'POST',
      url: '/api/v1/alerts/rules',
      payload: {
        name: 'Geo blocks',
        severity: 'warning',
        cooldown_minutes: 30,
        condition: {
          type: 'custom',
          log: 'blocked',
          filters: { block_reason: 'GEO_BLOCKED' },
          window_minutes: 5,
          threshold: 50,
        },
      },
    });
    expect(create.statusCode, create.body).toBe(201);
    const rule = create.json<AlertRuleView>();
    const start = '2024-04-01T09:00:00.000Z';
    // Bursts of 60 geo blocks a minute at 09:00–09:03, 09:10–09:13 and 09:28–09:40.
    const burst = (from: number, to: number) =>
      spread<Blocked>(at(start, from), at(start, to), 60, (when) => ({
        at: when,
        reason: 'GEO_BLOCKED',
        ip: '192.0.2.77',
      }));
    await seedRequestLogs(t.services.core.db, [], [...burst(0, 3), ...burst(10, 13), ...burst(28, 40)]);
    const timeline: string[] = [];
    for (let m = 1; m <= 40; m++) {
      const report = await evaluateAt(t, at(start, m));
      const mine = ofRule(await listAlerts(t, `&rule_id=${rule.id}`), rule);
      timeline.push(
        `${m}:${mine.length}:${mine.filter((a) => a.state === 'firing').length}:${report.cooling_down}`,
      );
    }
    const alerts = ofRule(await listAlerts(t, `&rule_id=${rule.id}`), rule);
    // Fired at 09:01, resolved at 09:08; the second burst is inside the cool-down, and so is the third
    // until 09:31, thirty minutes after the first start, when it fires again.
    expect(alerts.map((a) => [a.started_at, a.resolved_at])).toEqual([
      [at(start, 31), null],
      [at(start, 1), at(start, 8)],
    ]);
    expect(timeline[11 - 1]).toMatch(/^11:1:0:[1-9]/);
    expect(timeline[30 - 1]).toMatch(/^30:1:0:[1-9]/);
    expect(alerts[0]!.summary).toBe(
      'blocked requests with block_reason=GEO_BLOCKED: 180 in 5 minutes; threshold 50',
    );
  });

  it('/metrics shows firing alerts per rule and severity', async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(
      /keymanager_alerts_firing\{rule_id="alrule_[0-9a-z]{26}",rule="Geo blocks",severity="warning"\} 1/,
    );
    expect(metrics.body).not.toMatch(/keymanager_alerts_firing\{[^}]*rule="Authentication failure rate"/);
  });
});
