import type { Transaction } from 'kysely';
import type { Executor } from '../db/database.js';
import { toJson } from '../db/json.js';
import { inTransaction } from '../db/transaction.js';
import type { ActivityActorType, ActivityChannel, Database } from '../db/schema.js';
import { toAppError } from '../http/error-handler.js';
import type { CoreDeps } from '../shared/deps.js';
import type { ActivityAction, ActivityResourceType } from './activity-actions.js';
import { createActivityQueryService } from './activity-query.service.js';
import { createActivityRepository } from './activity.repository.js';
import { createActivityChainer, type ActivityChainInput } from './integrity/activity-chain.js';
import { markUnsealed } from './integrity/chain-append.js';
import { createLogIdGenerator, timestampOfId } from './log-entry.js';
import type { LoggingSettingsHolder } from './logging-settings.js';

/** Who acts, from where: the same for every entry of one request or command. */
export interface ActivityActor {
  admin_user: string;
  actor_type: ActivityActorType;
  actor_id: string | null;
  channel: ActivityChannel;
  ip: string | null;
  /** Masked (`sess_a4f8d2c1...`); the token itself is never passed here. */
  session_id: string | null;
  user_agent: string | null;
}

export interface ActivityContext {
  actor: ActivityActor;
  /** Set once an entry for this request exists, so the error hook does not write a second one. */
  recorded: boolean;
}

export interface ActivityNote {
  /** Known only once the action ran, as with a login: who turned out to be signing in. */
  actor_id?: string;
  resource_id?: string | null;
  resource?: string | null;
  details?: Record<string, unknown>;
}

export interface ActivitySpec extends ActivityNote {
  action_type: ActivityAction;
  resource_type: ActivityResourceType;
  failure_action?: ActivityAction;
}

/** Lets the action add what it learns while running: the created id, the before/after of a change. */
export interface ActivityEntry {
  note(patch: ActivityNote): void;
}

/** For services called outside any audited action (tests, start-up): notes go nowhere. */
export const NO_ENTRY: ActivityEntry = { note: () => {} };

export type AuditedAction<T> = (tx: Transaction<Database>, entry: ActivityEntry) => Promise<T>;

/** How a service runs its writes as one audited action; routes pass `audit(...)`, other callers `unaudited`. */
export type Audited = <T>(action: AuditedAction<T>) => Promise<T>;

export function unaudited(db: Executor): Audited {
  return (action) => inTransaction(db, (tx) => action(tx, NO_ENTRY));
}

// `per_license_key` names a rate limit (security/rate-limit-settings.ts), not a key: its numbers are kept.
const SECRET_FIELD = /password|secret|token|cookie|^key$|(?<!per_)license_key/i;

/** A last line of defence: a detail named like a secret never reaches the table, whatever a caller passes. */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '[REDACTED]' : scrub(v)]),
    );
  }
  return value;
}

export function systemContext(name: string): ActivityContext {
  return {
    actor: {
      admin_user: name,
      actor_type: 'system',
      actor_id: null,
      channel: 'cli',
      ip: null,
      session_id: null,
      user_agent: null,
    },
    recorded: false,
  };
}

export function createActivityService(
  {
    db,
    clock,
    logger,
    config,
  }: Pick<CoreDeps, 'db' | 'clock' | 'logger'> & Partial<Pick<CoreDeps, 'config'>>,
  settings: LoggingSettingsHolder,
) {
  const repository = createActivityRepository(db);
  // Log integrity (ADR 0009): each entry joins the activity chain in the transaction that finalises it.
  const chainer = (config?.integrity.enabled ?? true) ? createActivityChainer() : null;
  // Off, the entry is stored unchained and the log marked for sealing by a later start with it on.
  const chained = async (tx: Transaction<Database>, entry: ActivityChainInput) => {
    if (chainer) return chainer.chain(tx, entry);
    await markUnsealed(tx, 'activity', entry.id);
    return {};
  };
  const enabled = () => settings.current().log_dashboard_activities;
  // Like the request logs: the id's time part is the entry's timestamp, so id order is time order and
  // the `from`/`to` filters are a range over the primary key.
  const nextId = createLogIdGenerator(clock);

  function baseRow(ctx: ActivityContext, spec: ActivitySpec, action: ActivityAction) {
    const id = nextId();
    return {
      id,
      timestamp: timestampOfId(id),
      ...ctx.actor,
      action_type: action,
      resource_type: spec.resource_type,
      resource_id: spec.resource_id ?? null,
      resource: spec.resource ?? null,
    };
  }

  async function recordFailure(
    ctx: ActivityContext,
    spec: ActivitySpec,
    error: unknown,
    notes: ActivityNote = {},
  ): Promise<void> {
    ctx.recorded = true;
    if (!enabled()) return;
    const appError = toAppError(error instanceof Error ? error : new Error(String(error)));
    const merged = { ...spec, ...notes, details: { ...spec.details, ...notes.details } };
    const details: Record<string, unknown> = { ...merged.details, reason: appError.message };
    if (appError.code === 'ERR_VALIDATION' && appError.details !== undefined)
      details.fields = appError.details;
    try {
      const row = {
        ...baseRow(ctx, merged, spec.failure_action ?? spec.action_type),
        details: toJson(scrub(details)),
        result: 'failure' as const,
        error_code: appError.code,
      };
      await db.transaction().execute(async (tx) => {
        await repository.insert({ ...row, ...(await chained(tx, row)) }, tx);
      });
    } catch (writeError) {
      // The action already failed; losing its failure entry is reported, never swapped for the original error.
      logger.error({ err: writeError, action_type: spec.action_type }, 'activity failure entry not written');
    }
  }

  return {
    repository,
    /** The search behind `GET /api/v1/logs/activity` and `keymanager logs --log activity`. */
    query: createActivityQueryService(repository),
    recordFailure,

    /**
     * Writes a pending entry, runs the action in the same transaction and finalises the entry as a
     * success before committing: the change and its entry exist together or not at all. If the action
     * throws, everything rolls back and a failure entry is written on its own; the error is rethrown.
     */
    async record<T>(ctx: ActivityContext, spec: ActivitySpec, action: AuditedAction<T>): Promise<T> {
      const notes: ActivityNote = {};
      const entry: ActivityEntry = {
        note(patch) {
          Object.assign(notes, { ...patch, details: { ...notes.details, ...patch.details } });
        },
      };
      const on = enabled();
      try {
        const result = await db.transaction().execute(async (tx) => {
          const row = on ? baseRow(ctx, spec, spec.action_type) : null;
          if (row) {
            await repository.insert(
              { ...row, details: toJson(scrub(spec.details ?? {})), result: 'pending' },
              tx,
            );
          }
          const value = await action(tx, entry);
          if (row) {
            const final = {
              result: 'success' as const,
              actor_id: notes.actor_id !== undefined ? notes.actor_id : row.actor_id,
              resource_id: notes.resource_id ?? row.resource_id,
              resource: notes.resource ?? row.resource,
              details: toJson(scrub({ ...spec.details, ...notes.details })),
            };
            const chain = await chained(tx, { ...row, ...final, error_code: null });
            await repository.finalise(row.id, { ...final, ...chain }, tx);
          }
          return value;
        });
        ctx.recorded = true;
        return result;
      } catch (error) {
        if (on) await recordFailure(ctx, spec, error, notes);
        ctx.recorded = true;
        throw error;
      }
    },
  };
}

export type ActivityService = ReturnType<typeof createActivityService>;
