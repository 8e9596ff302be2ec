import type { Expression, ExpressionBuilder, Insertable, SqlBool } from 'kysely';
import type { Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type {
  Database,
  SecurityAllowlistTable,
  SecurityRuleSource,
  SecurityRuleTable,
} from '../db/schema.js';

export const RATE_LIMITS_SETTING = 'security.rate_limits';

const RULE_COLUMNS = [
  'id',
  'type',
  'value',
  'reason',
  'source',
  'created_by',
  'created_at',
  'expires_at',
] as const;
const ALLOW_COLUMNS = ['id', 'value', 'note', 'created_by', 'created_at'] as const;

export type RuleRow = Omit<SecurityRuleTable, 'deleted_at'>;
export type AllowRow = Omit<SecurityAllowlistTable, 'deleted_at'>;

export interface RuleFilters {
  type?: string;
  source?: SecurityRuleSource;
  includeExpired: boolean;
}

type RuleEb = ExpressionBuilder<Database, 'security_rules'>;

const unexpired = (eb: RuleEb, now: string) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

function listed(eb: RuleEb, filters: RuleFilters, now: string): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('deleted_at', 'is', null)];
  if (filters.type) conditions.push(eb('type', '=', filters.type));
  if (filters.source) conditions.push(eb('source', '=', filters.source));
  if (!filters.includeExpired) conditions.push(unexpired(eb, now));
  return eb.and(conditions);
}

export function createSecurityRulesRepository(db: Executor) {
  return {
    async insertRule(row: Insertable<SecurityRuleTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('security_rules').values(row).execute();
    },

    /** A rule that has not been lifted (expired ones included). */
    async findRule(id: string, tx: Executor = db): Promise<RuleRow | undefined> {
      return tx
        .selectFrom('security_rules')
        .select(RULE_COLUMNS)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async listRules(filters: RuleFilters, now: string, limit: number, beforeId?: string): Promise<RuleRow[]> {
      let query = db
        .selectFrom('security_rules')
        .select(RULE_COLUMNS)
        .where((eb) => listed(eb, filters, now))
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },

    /** What the compiled rule set holds: every rule neither lifted nor expired at `now`. */
    async liveRules(now: string): Promise<RuleRow[]> {
      return db
        .selectFrom('security_rules')
        .select(RULE_COLUMNS)
        .where((eb) => listed(eb, { includeExpired: false }, now))
        .orderBy('id')
        .execute();
    },

    async liveManualRuleExists(
      type: string,
      value: string,
      now: string,
      tx: Executor = db,
    ): Promise<boolean> {
      const row = await tx
        .selectFrom('security_rules')
        .select('id')
        .where((eb) => listed(eb, { type, source: 'manual', includeExpired: false }, now))
        .where('value', '=', value)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Automatic rules ever made for a subject, lifted and expired ones included. */
    async countAutomatic(type: string, value: string): Promise<number> {
      const row = await db
        .selectFrom('security_rules')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('type', '=', type)
        .where('value', '=', value)
        .where('source', '=', 'automatic')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async liftRule(id: string, at: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('security_rules')
        .set({ deleted_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async insertAllow(row: Insertable<SecurityAllowlistTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('security_allowlist').values(row).execute();
    },

    async findAllow(id: string, tx: Executor = db): Promise<AllowRow | undefined> {
      return tx
        .selectFrom('security_allowlist')
        .select(ALLOW_COLUMNS)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async listAllow(limit: number, beforeId?: string): Promise<AllowRow[]> {
      let query = db
        .selectFrom('security_allowlist')
        .select(ALLOW_COLUMNS)
        .where('deleted_at', 'is', null)
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },

    async liveAllowlist(): Promise<AllowRow[]> {
      return db
        .selectFrom('security_allowlist')
        .select(ALLOW_COLUMNS)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .execute();
    },

    async allowExists(value: string, tx: Executor = db): Promise<boolean> {
      const row = await tx
        .selectFrom('security_allowlist')
        .select('id')
        .where('value', '=', value)
        .where('deleted_at', 'is', null)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async removeAllow(id: string, at: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('security_allowlist')
        .set({ deleted_at: at })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async apiKeyExists(id: string, tx: Executor = db): Promise<boolean> {
      const row = await tx.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * The hashes the rule set matches presented keys by: every revoked key's, and those of the keys
     * `api_key` rules name. Selected here on purpose; they never leave the process.
     */
    async keyHashes(
      ruleKeyIds: readonly string[],
    ): Promise<{ revoked: string[]; byId: Map<string, string> }> {
      const revoked = await db
        .selectFrom('api_keys')
        .select('key_hash')
        .where('revoked_at', 'is not', null)
        .execute();
      const named =
        ruleKeyIds.length === 0
          ? []
          : await db
              .selectFrom('api_keys')
              .select(['id', 'key_hash'])
              .where('id', 'in', [...new Set(ruleKeyIds)])
              .execute();
      return {
        revoked: revoked.map((row) => row.key_hash),
        byId: new Map(named.map((row) => [row.id, row.key_hash])),
      };
    },

    async findRateLimits(tx: Executor = db): Promise<unknown> {
      const row = await tx
        .selectFrom('settings')
        .select('value')
        .where('id', '=', RATE_LIMITS_SETTING)
        .executeTakeFirst();
      return row ? parseJson<unknown>(row.value) : undefined;
    },

    async saveRateLimits(value: unknown, at: string, by: string | null, tx: Executor = db): Promise<void> {
      const row = { value: toJson(value), updated_at: at, updated_by: by };
      await tx
        .insertInto('settings')
        .values({ id: RATE_LIMITS_SETTING, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },
  };
}

export type SecurityRulesRepository = ReturnType<typeof createSecurityRulesRepository>;
