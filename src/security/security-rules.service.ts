import { AppError, notFound, validationError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import { systemContext, type ActivityService, type Audited } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { parseIpOrCidr } from './ip-address.js';
import { DEFAULT_RATE_LIMITS, mergeRateLimits, type RateLimitsPatch } from './rate-limit-settings.js';
import { compileRuleSet, EMPTY_RULE_SET } from './rule-set.js';
import { checkManualRule, checkRuleValue, type RuleInput } from './security-rule-input.js';
import {
  createSecurityRulesRepository,
  RATE_LIMITS_SETTING,
  type AllowRow,
  type RuleFilters,
  type RuleRow,
} from './security-rules.repository.js';
import type { AllowlistEntry, CreateAllowlistBody, SecurityRule } from './security.schemas.js';
import type { BanOrder, RateLimitSettings, RuleSet, RuleType } from './security-types.js';

/** What changed, for listeners that tell other server processes to reload. */
export interface SecurityChange {
  kind: 'rule' | 'allowlist' | 'rate_limits';
  /** An automatic ban an admin lifted: its subject's offence count starts afresh. */
  lifted?: { type: BanOrder['type']; value: string };
}

function isBanSubject(type: string): type is BanOrder['type'] {
  return type === 'ip' || type === 'api_key' || type === 'fingerprint';
}

/** The actor of automatic bans in the activity log. */
export const BAN_ACTOR = 'security-layer';

const ruleLabel = (rule: { id: string; type: string; value: string }) =>
  `Security rule ${rule.id} (${rule.type} ${rule.value})`;
const allowLabel = (entry: { id: string; value: string }) => `Allowlist entry ${entry.id} (${entry.value})`;

function toRule(row: RuleRow, now: number): SecurityRule {
  return {
    id: row.id,
    type: row.type as RuleType,
    value: row.value,
    reason: row.reason,
    source: row.source,
    created_by: row.created_by,
    created_at: row.created_at,
    expires_at: row.expires_at,
    active: row.expires_at === null || Date.parse(row.expires_at) > now,
  };
}

const toAllow = (row: AllowRow): AllowlistEntry => ({ ...row });

/**
 * Rules, allowlist and rate-limit settings: stored in the database, compiled into an in-memory rule set
 * the request path reads synchronously. Every change made here is committed with its activity entry,
 * then the set is rebuilt and the `onChange` listeners are told; another process learns of a change
 * through them and calls `reload()`.
 */
export function createSecurityRulesService(core: CoreDeps, activity: ActivityService) {
  const { db, clock, ids, logger } = core;
  const repository = createSecurityRulesRepository(db);
  let current: RuleSet = EMPTY_RULE_SET;
  let limits: RateLimitSettings = structuredClone(DEFAULT_RATE_LIMITS);
  const listeners = new Set<(change: SecurityChange) => void>();

  async function build(): Promise<void> {
    const now = clock.now().toISOString();
    const rules = await repository.liveRules(now);
    const allowlist = await repository.liveAllowlist();
    const stored = (await repository.findRateLimits()) as RateLimitsPatch | undefined;
    const keys = await repository.keyHashes(rules.filter((r) => r.type === 'api_key').map((r) => r.value));
    const { ruleSet, skipped } = compileRuleSet({
      rules,
      allowlist,
      revokedKeyHashes: keys.revoked,
      keyHashById: keys.byId,
    });
    for (const rule of skipped)
      logger.warn({ rule_id: rule.id, reason: rule.reason }, 'security rule not applied');
    current = ruleSet;
    limits = mergeRateLimits(DEFAULT_RATE_LIMITS, stored);
  }

  // One build at a time; a reload asked for while one runs waits for the next, which starts after the
  // request and so sees every change committed before it (an older build never overwrites a newer one).
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  function reload(): Promise<void> {
    if (!running) {
      running = build().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = null;
        return reload();
      });
    return queued;
  }

  /** After a commit: the change is stored whatever happens here, so a failed rebuild is logged, not thrown. */
  async function afterChange(kind: SecurityChange['kind'], lifted?: SecurityChange['lifted']): Promise<void> {
    try {
      await reload();
    } catch (error) {
      logger.error({ err: error }, 'security rules not reloaded after a change');
    }
    for (const listener of listeners) {
      try {
        listener({ kind, lifted });
      } catch (error) {
        logger.error({ err: error }, 'security change listener failed');
      }
    }
  }

  async function getRule(id: string): Promise<SecurityRule> {
    const row = await repository.findRule(id);
    if (!row) throw notFound('Security rule');
    return toRule(row, clock.now().getTime());
  }

  return {
    repository,

    /** At start-up, before the first request. */
    load: (): Promise<void> => reload(),
    reload,

    /** The current compiled snapshot; cheap, synchronous, never touches the database. */
    ruleSet: (): RuleSet => current,
    rateLimits: (): RateLimitSettings => limits,

    /** Called after every change made through this service; returns a function that unsubscribes. */
    onChange(listener: (change: SecurityChange) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async listRules(filters: RuleFilters, limit: number, beforeId?: string): Promise<Page<SecurityRule>> {
      const now = clock.now();
      const rows = await repository.listRules(filters, now.toISOString(), limit + 1, beforeId);
      return toPage(
        rows.map((row) => toRule(row, now.getTime())),
        limit,
      );
    },

    getRule,

    async createRule(input: RuleInput, audited: Audited, by: string | null): Promise<SecurityRule> {
      const rule = await audited(async (tx, entry) => {
        const now = clock.now();
        const checked = await checkManualRule(input, now, (id) => repository.apiKeyExists(id, tx));
        if (await repository.liveManualRuleExists(checked.type, checked.value, now.toISOString(), tx)) {
          throw new AppError('ERR_CONFLICT', 'An identical rule is already in force.');
        }
        const row: RuleRow = {
          id: ids.next('rule'),
          ...checked,
          source: 'manual',
          created_by: by,
          created_at: now.toISOString(),
        };
        await repository.insertRule(row, tx);
        entry.note({
          resource_id: row.id,
          resource: ruleLabel(row),
          details: { type: row.type, value: row.value, reason: row.reason, expires_at: row.expires_at },
        });
        return toRule(row, now.getTime());
      });
      await afterChange('rule');
      return rule;
    },

    /** Lifts a rule (manual or a ban): it stops applying at once and stays in the history. */
    async deleteRule(id: string, audited: Audited): Promise<void> {
      const row = await audited(async (tx, entry) => {
        const row = await repository.findRule(id, tx);
        if (!row) throw notFound('Security rule');
        entry.note({
          resource: ruleLabel(row),
          details: {
            deleted: {
              type: row.type,
              value: row.value,
              reason: row.reason,
              source: row.source,
              expires_at: row.expires_at,
            },
          },
        });
        if (!(await repository.liftRule(id, clock.now().toISOString(), tx))) throw notFound('Security rule');
        return row;
      });
      const lifted =
        row.source === 'automatic' && isBanSubject(row.type)
          ? { type: row.type, value: row.value }
          : undefined;
      await afterChange('rule', lifted);
    },

    /**
     * Stores an automatic ban as a rule, with its `SECURITY_BAN_CREATED` entry (actor `security-layer`),
     * and rebuilds the rule set before answering, so the ban applies to the offender's next request.
     * The caller decides who is banned: allowlisted addresses must never get here.
     */
    async addBan(order: BanOrder): Promise<{ rule_id: string }> {
      const checked = checkRuleValue(order.type, order.value);
      if (!checked.ok) throw new Error(`ban on ${order.type}: ${checked.message}`);
      const expires = new Date(order.expires_at);
      if (Number.isNaN(expires.getTime())) throw new Error(`ban expiry is not a date: ${order.expires_at}`);
      const row: RuleRow = {
        id: ids.next('rule'),
        type: order.type,
        value: checked.value,
        reason: order.reason,
        source: 'automatic',
        created_by: BAN_ACTOR,
        created_at: clock.now().toISOString(),
        expires_at: expires.toISOString(),
      };
      await activity.record(
        systemContext(BAN_ACTOR),
        {
          action_type: 'SECURITY_BAN_CREATED',
          resource_type: 'security_rule',
          resource_id: row.id,
          resource: ruleLabel(row),
          details: {
            type: row.type,
            value: row.value,
            reason: row.reason,
            expires_at: row.expires_at,
            previous_bans: order.previous_bans,
          },
        },
        (tx) => repository.insertRule(row, tx),
      );
      await afterChange('rule');
      return { rule_id: row.id };
    },

    /** How many automatic rules were ever made for this subject (lifted and expired ones included). */
    async previousBans(type: BanOrder['type'], value: string): Promise<number> {
      const checked = type === 'ip' ? parseIpOrCidr(value) : null;
      return repository.countAutomatic(type, checked?.ok ? checked.range.text : value);
    },

    async listAllowlist(limit: number, beforeId?: string): Promise<Page<AllowlistEntry>> {
      return toPage((await repository.listAllow(limit + 1, beforeId)).map(toAllow), limit);
    },

    async addAllowlistEntry(
      input: CreateAllowlistBody,
      audited: Audited,
      by: string | null,
    ): Promise<AllowlistEntry> {
      const added = await audited(async (tx, entry) => {
        const parsed = parseIpOrCidr(input.value);
        if (!parsed.ok) throw validationError([{ field: 'value', message: parsed.message }]);
        const value = parsed.range.text;
        if (await repository.allowExists(value, tx)) {
          throw new AppError('ERR_CONFLICT', 'This address or range is already on the allowlist.');
        }
        const row: AllowRow = {
          id: ids.next('allow'),
          value,
          note: input.note?.trim() || null,
          created_by: by,
          created_at: clock.now().toISOString(),
        };
        await repository.insertAllow(row, tx);
        entry.note({ resource_id: row.id, resource: allowLabel(row), details: { value, note: row.note } });
        return toAllow(row);
      });
      await afterChange('allowlist');
      return added;
    },

    async removeAllowlistEntry(id: string, audited: Audited): Promise<void> {
      await audited(async (tx, entry) => {
        const row = await repository.findAllow(id, tx);
        if (!row) throw notFound('Allowlist entry');
        entry.note({ resource: allowLabel(row), details: { deleted: { value: row.value, note: row.note } } });
        if (!(await repository.removeAllow(id, clock.now().toISOString(), tx)))
          throw notFound('Allowlist entry');
      });
      await afterChange('allowlist');
    },

    getRateLimits: (): RateLimitSettings => structuredClone(limits),

    /** Merges `patch` into the stored settings with its activity entry; applies to the next request. */
    async updateRateLimits(
      patch: RateLimitsPatch,
      audited: Audited,
      by: string | null,
    ): Promise<RateLimitSettings> {
      const next = await audited(async (tx, entry) => {
        const before = mergeRateLimits(
          DEFAULT_RATE_LIMITS,
          (await repository.findRateLimits(tx)) as RateLimitsPatch | undefined,
        );
        const after = mergeRateLimits(before, patch);
        await repository.saveRateLimits(after, clock.now().toISOString(), by, tx);
        entry.note({
          resource_id: RATE_LIMITS_SETTING,
          resource: 'Rate limits',
          details: { changes: fieldChanges(before, after), before, after },
        });
        return after;
      });
      limits = next;
      await afterChange('rate_limits');
      return structuredClone(next);
    },
  };
}

export type SecurityRulesService = ReturnType<typeof createSecurityRulesService>;
