import { Migrator, PostgresAdapter, sql } from 'kysely';
import type { Db } from './database.js';
import { migrationProvider } from './migrations/index.js';

/**
 * Kysely looks for its bookkeeping tables in every schema unless told which one, so a database holding
 * several schemas (one per test file, or per tenant) would see another schema's tables and skip
 * creating its own. On PostgreSQL the migrator is therefore pinned to the connection's current schema.
 */
async function migrationTableSchema(db: Db): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

/**
 * True when every migration is already recorded. Then the migrator is skipped: it introspects every
 * schema of the database, which fails when another schema is dropped meanwhile (tests running side by
 * side do that), and costs each command's start-up a catalogue scan for nothing.
 */
async function upToDate(db: Db, schema: string | undefined): Promise<boolean> {
  const wanted = Object.keys(await migrationProvider.getMigrations());
  try {
    const table = sql.table(schema ? `${schema}.kysely_migration` : 'kysely_migration');
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    const applied = new Set(rows.map((row) => row.name));
    return wanted.every((name) => applied.has(name));
  } catch {
    return false; // no migration table yet: a new database
  }
}

/**
 * The migrator's catalogue scan raced a schema being dropped by another session ("schema … does not
 * exist", "relation other_schema.table does not exist"): nothing of ours failed, so it is tried again.
 * PostgreSQL runs the migrations in one transaction, so a retry never repeats half of one.
 */
function droppedElsewhere(error: unknown, schema: string | undefined): boolean {
  const code = (error as { code?: unknown }).code;
  if (!schema || (code !== '3F000' && code !== '42P01')) return false;
  const message = error instanceof Error ? error.message : '';
  return !message.includes(`"${schema}"`) && !message.includes(`"${schema}.`);
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const schema = await migrationTableSchema(db);
  if (await upToDate(db, schema)) return [];
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let outcome = await migrator.migrateToLatest();
  for (let retry = 0; retry < 5 && outcome.error && droppedElsewhere(outcome.error, schema); retry++) {
    outcome = await migrator.migrateToLatest();
  }
  const { error, results } = outcome;
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
