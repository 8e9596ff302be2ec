import type { Condition } from './alert-conditions.js';
import { breaches, type Breach } from './alert-decision.js';
import type { ActivityFact, IpCount } from './alert-reads.js';

/**
 * Each kind's condition applied to numbers already read: pure, so a table of inputs and expected
 * breaches tests them without a database. Summaries are one short line a person reads in a list.
 */

type Of<T extends Condition['type']> = Extract<Condition, { type: T }>;

const percent = (fraction: number) => `${(Math.round(fraction * 1000) / 10).toString()}%`;
const minutes = (n: number) =>
  n === 1 ? '1 minute' : n % 60 === 0 && n >= 120 ? `${n / 60} hours` : `${n} minutes`;

export function authFailureBreaches(
  c: Of<'auth_failure_rate'>,
  counts: { total: number; failures: number; by_error_code: { error_code: string; count: number }[] },
): Breach[] {
  const rate = counts.total === 0 ? 0 : counts.failures / counts.total;
  if (!breaches(rate, c.threshold, counts.total, c.min_volume)) return [];
  return [
    {
      group: '',
      value: rate,
      threshold: c.threshold,
      summary: `Authentication failure rate ${percent(rate)} (${counts.failures} of ${counts.total} calls) over ${minutes(c.window_minutes)}; threshold ${percent(c.threshold)}`,
      details: { total: counts.total, failures: counts.failures, by_error_code: counts.by_error_code },
    },
  ];
}

export function blockedSpikeBreaches(
  c: Of<'blocked_spike'>,
  counts: { window: number; baseline: number },
): Breach[] {
  // The baseline's count scaled to the window's length: the usual number of blocks in such a window.
  const usual = (counts.baseline * c.window_minutes) / c.baseline_minutes;
  const threshold = Math.max(c.min_volume, usual * c.threshold);
  if (!breaches(counts.window, threshold)) return [];
  return [
    {
      group: '',
      value: counts.window,
      threshold,
      summary: `${counts.window} blocked requests in ${minutes(c.window_minutes)}, usually ${Math.round(usual * 10) / 10} (threshold ${Math.round(threshold)})`,
      details: { blocked: counts.window, baseline_blocked: counts.baseline, usual_in_window: usual },
    },
  ];
}

export function bruteForceBreaches(c: Of<'brute_force_ip'>, perIp: readonly IpCount[]): Breach[] {
  return perIp
    .filter((row) => breaches(row.count, c.threshold))
    .map((row) => ({
      group: row.ip,
      value: row.count,
      threshold: c.threshold,
      summary: `${row.count} failed authentications or unknown licence keys from ${row.ip} in ${minutes(c.window_minutes)}`,
      details: { ip: row.ip, failures: row.count },
    }));
}

/** Admin actions always worth a look (the document: bulk deletes, settings changes, new owners). */
export const SENSITIVE_ACTIONS = [
  'SETTINGS_UPDATED',
  'RATE_LIMITS_UPDATED',
  'SECURITY_RULE_DELETED',
  'ALLOWLIST_ENTRY_ADDED',
  'LOGS_PRUNED',
  'ADMIN_ACTIVITY_PSEUDONYMIZED',
  'ALERT_RULE_DELETED',
  'ADMIN_DELETED',
] as const;
/** Deletions counted towards a bulk delete. */
export const DELETE_ACTIONS = [
  'LICENSE_DELETED',
  'CUSTOMER_DELETED',
  'PRODUCT_DELETED',
  'ACTIVATION_DELETED',
  'API_KEY_REVOKED',
] as const;
/** Read to find new owners and alert rules switched off. */
export const ROLE_ACTIONS = ['ADMIN_CREATED', 'ADMIN_UPDATED', 'ALERT_RULE_UPDATED'] as const;

const FIRST_OWNER_ACTOR = 'startup';

function changedTo(details: Record<string, unknown>, field: string): unknown {
  const changes = details.changes as Record<string, { after?: unknown }> | undefined;
  return changes?.[field]?.after;
}

/** Why an entry is sensitive, or null when it is not on its own. */
function sensitiveReason(entry: ActivityFact): string | null {
  if ((SENSITIVE_ACTIONS as readonly string[]).includes(entry.action_type)) return entry.action_type;
  if (entry.action_type === 'ADMIN_CREATED' || entry.action_type === 'ADMIN_UPDATED') {
    // The installation's first owner, made at first start (access/first-owner.ts), is no news.
    if (entry.admin_user === FIRST_OWNER_ACTOR) return null;
    return changedTo(entry.details, 'role') === 'owner' ? 'NEW_OWNER' : null;
  }
  if (entry.action_type === 'ALERT_RULE_UPDATED')
    return changedTo(entry.details, 'enabled') === false ? 'ALERT_RULE_DISABLED' : null;
  return null;
}

export function sensitiveActionBreaches(
  c: Of<'sensitive_admin_action'>,
  entries: readonly ActivityFact[],
): Breach[] {
  const found: {
    id: string;
    timestamp: string;
    admin_user: string;
    reason: string;
    resource: string | null;
  }[] = [];
  const deletions = new Map<string, number>();
  for (const entry of entries) {
    if ((DELETE_ACTIONS as readonly string[]).includes(entry.action_type)) {
      deletions.set(entry.admin_user, (deletions.get(entry.admin_user) ?? 0) + 1);
      continue;
    }
    const reason = sensitiveReason(entry);
    if (reason)
      found.push({
        id: entry.id,
        timestamp: entry.timestamp,
        admin_user: entry.admin_user,
        reason,
        resource: entry.resource,
      });
  }
  const bulk = [...deletions]
    .filter(([, count]) => count >= c.threshold)
    .map(([admin_user, count]) => ({ admin_user, count }));
  const value = found.length + bulk.length;
  if (!breaches(value, 1)) return [];
  const first = found[0];
  const parts = [
    ...(first
      ? [`${first.reason} by ${first.admin_user}${first.resource ? ` (${first.resource})` : ''}`]
      : []),
    ...bulk.map((b) => `bulk delete: ${b.count} deletions by ${b.admin_user}`),
  ];
  const more = value - parts.length;
  return [
    {
      group: '',
      value,
      threshold: 1,
      summary: `Sensitive admin action in the last ${minutes(c.window_minutes)}: ${parts.join('; ')}${more > 0 ? ` and ${more} more` : ''}`,
      details: { actions: found.slice(0, 20), bulk_deletes: bulk },
    },
  ];
}

export function endpointErrorBreaches(
  c: Of<'endpoint_error_rate'>,
  perEndpoint: readonly { endpoint: string; calls: number; errors: number }[],
): Breach[] {
  return perEndpoint
    .filter((e) => breaches(e.calls === 0 ? 0 : e.errors / e.calls, c.threshold, e.calls, c.min_volume))
    .map((e) => {
      const rate = e.errors / e.calls;
      return {
        group: e.endpoint,
        value: rate,
        threshold: c.threshold,
        summary: `${e.endpoint}: ${percent(rate)} server errors (${e.errors} of ${e.calls} calls) over ${minutes(c.window_minutes)}; threshold ${percent(c.threshold)}`,
        details: { endpoint: e.endpoint, calls: e.calls, server_errors: e.errors },
      };
    });
}

export function pipelineBreaches(
  c: Of<'log_pipeline'>,
  increase: { dropped: number; spooled: number },
): Breach[] {
  const out: Breach[] = [];
  for (const kind of ['dropped', 'spooled'] as const) {
    const n = increase[kind];
    if (!breaches(n, c.threshold)) continue;
    out.push({
      group: kind,
      value: n,
      threshold: c.threshold,
      summary:
        kind === 'dropped'
          ? `${n} log entries dropped in ${minutes(c.window_minutes)}: the spool is full and entries are lost`
          : `${n} log entries spooled to disk in ${minutes(c.window_minutes)}: the log store is not taking writes`,
      details: { [kind]: n },
    });
  }
  return out;
}

const MIB = 1024 * 1024;

export function storageGrowthBreaches(
  c: Of<'storage_growth'>,
  growth: { bytes: number; from: string; to: string } | null,
): Breach[] {
  if (!growth || !breaches(growth.bytes, c.threshold)) return [];
  return [
    {
      group: '',
      value: growth.bytes,
      threshold: c.threshold,
      summary: `Database grew by ${Math.round((growth.bytes / MIB) * 10) / 10} MiB between ${growth.from} and ${growth.to}; threshold ${Math.round((c.threshold / MIB) * 10) / 10} MiB`,
      details: growth,
    },
  ];
}

/** A custom rule's counts: per group (or one group ''), the matching entries and the volume they are a share of. */
export function customBreaches(
  c: Of<'custom'>,
  groups: readonly { group: string; matching: number; volume: number }[],
  label: string,
): Breach[] {
  const out: Breach[] = [];
  for (const g of groups) {
    const value = c.metric === 'rate' ? (g.volume === 0 ? 0 : g.matching / g.volume) : g.matching;
    const volume = c.metric === 'rate' ? g.volume : g.matching;
    if (!breaches(value, c.threshold, volume, c.min_volume)) continue;
    const where = g.group ? ` (${g.group})` : '';
    const measured =
      c.metric === 'rate' ? `${percent(value)} (${g.matching} of ${g.volume})` : String(g.matching);
    const limit = c.metric === 'rate' ? percent(c.threshold) : String(c.threshold);
    out.push({
      group: g.group,
      value,
      threshold: c.threshold,
      summary: `${label}${where}: ${measured} in ${minutes(c.window_minutes)}; threshold ${limit}`,
      details: { matching: g.matching, volume: g.volume, ...(g.group && { group: g.group }) },
    });
  }
  return out;
}
