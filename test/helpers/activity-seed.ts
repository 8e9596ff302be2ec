import { createBulkInsert } from '../../src/db/bulk-insert.js';
import type { Executor } from '../../src/db/database.js';
import type { ActivityLogTable } from '../../src/db/schema.js';
import { ipBytes } from '../../src/logging/ip-filter.js';
import { createLogIdGenerator, timestampOfId } from '../../src/logging/log-entry.js';
import { manualClock } from '../../src/shared/clock.js';

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
  'ip_bytes',
] as const;

const insert = createBulkInsert('activity_log', COLUMNS, 500);

export type SeedRow = Omit<ActivityLogTable, 'details' | 'ip_bytes'> & { details: Record<string, unknown> };

/** Entries at chosen times, written straight to the table: a data set with known answers, fast. */
export function activitySeeder(start: string) {
  const clock = manualClock(start);
  const nextId = createLogIdGenerator(clock);
  return {
    clock,
    row(fields: Partial<SeedRow> = {}): SeedRow {
      const id = nextId();
      return {
        id,
        timestamp: timestampOfId(id),
        admin_user: 'alice@example.test',
        actor_type: 'admin',
        actor_id: null,
        channel: 'portal',
        action_type: 'PRODUCT_CREATED',
        resource_type: 'product',
        resource_id: null,
        resource: null,
        details: {},
        result: 'success',
        error_code: null,
        ip: null,
        session_id: null,
        user_agent: null,
        ...fields,
      };
    },
  };
}

export async function seedActivity(db: Executor, rows: SeedRow[]): Promise<void> {
  await insert(
    // details as the JSON text both stores accept on insert (the table type describes what is read).
    rows.map((row) => ({
      ...row,
      details: JSON.stringify(row.details),
      ip_bytes: ipBytes(row.ip),
    })) as unknown as ActivityLogTable[],
    db,
  );
}
