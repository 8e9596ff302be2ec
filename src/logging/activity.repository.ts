import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { ActivityLogTable, ActivityResult } from '../db/schema.js';

const COLUMNS = [
  'id',
  'timestamp',
  'admin_user',
  'actor_type',
  'actor_id',
  'channel',
  'action_type',
  'resource_type',
  'resource_id',
  'resource',
  'details',
  'result',
  'error_code',
  'ip',
  'session_id',
  'user_agent',
] as const;

export type ActivityRow = Selectable<ActivityLogTable>;

export function createActivityRepository(db: Executor) {
  return {
    async insert(row: Insertable<ActivityLogTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('activity_log').values(row).execute();
    },

    async finalise(
      id: string,
      patch: {
        result: ActivityResult;
        actor_id?: string | null;
        resource_id?: string | null;
        resource?: string | null;
        details: string;
        error_code?: string | null;
      },
      tx: Executor = db,
    ): Promise<void> {
      await tx.updateTable('activity_log').set(patch).where('id', '=', id).execute();
    },

    /** Oldest first; the log's search API is a separate feature, this serves tests and tooling. */
    async list(filters: { action_type?: string } = {}, tx: Executor = db): Promise<ActivityRow[]> {
      let query = tx.selectFrom('activity_log').select(COLUMNS).orderBy('id', 'asc');
      if (filters.action_type) query = query.where('action_type', '=', filters.action_type);
      return query.execute();
    },
  };
}

export type ActivityRepository = ReturnType<typeof createActivityRepository>;
