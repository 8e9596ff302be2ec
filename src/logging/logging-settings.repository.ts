import type { Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';

const LOGGING = 'logging';

export function createSettingsRepository(db: Executor) {
  return {
    async findLogging(tx: Executor = db): Promise<unknown> {
      const row = await tx
        .selectFrom('settings')
        .select('value')
        .where('id', '=', LOGGING)
        .executeTakeFirst();
      return row ? parseJson<unknown>(row.value) : undefined;
    },

    async saveLogging(value: unknown, at: string, by: string | null, tx: Executor = db): Promise<void> {
      const row = { value: toJson(value), updated_at: at, updated_by: by };
      await tx
        .insertInto('settings')
        .values({ id: LOGGING, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute();
    },
  };
}
