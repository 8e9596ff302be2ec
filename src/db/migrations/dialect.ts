import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Column types that differ between the two stores; migrations stay free of application code. */
export function columnTypes(db: Kysely<any>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    postgres,
    timestamp: postgres ? sql`timestamptz` : sql`text`,
    json: postgres ? sql`jsonb` : sql`text`,
  };
}
