import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Executor } from './database.js';
import type { Database } from './schema.js';

// PostgreSQL takes a whole batch in one statement of one array per column; the bound keeps one
// statement's arrays to a few megabytes.
const POSTGRES_ROWS_PER_STATEMENT = 5000;

/**
 * A multi-row `INSERT … ON CONFLICT (id) DO NOTHING` whose SQL is compiled once and reused: building a
 * 500-row insert through Kysely's query builder costs more CPU than the database spends storing it,
 * and the log writer shares the request thread. Values are always bound parameters.
 *
 * SQLite gets `VALUES` rows (`rowsPerStatement` at a time, under its bound-variable limit). PostgreSQL
 * gets `SELECT * FROM unnest($1::type[], …)`, one array parameter per column: with a parameter per
 * value, parsing and planning a 500-row statement of 14,000 parameters costs the server several times
 * what storing the rows does, and it is done again for every statement.
 */
export function createBulkInsert<T extends keyof Database>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rowsPerStatement: number,
) {
  // Keyed by dialect too: one process may hold SQLite and PostgreSQL databases (the tests do).
  const compiled = new Map<string, string>();
  let unnestSql: Promise<string> | null = null;

  function sqlFor(tx: Executor, rowCount: number): string {
    const key = `${tx.getExecutor().adapter.constructor.name}:${rowCount}`;
    let text = compiled.get(key);
    if (text === undefined) {
      const placeholderRow = Object.fromEntries(columns.map((column) => [column, null]));
      const query = tx
        .insertInto(table)
        .values(Array.from({ length: rowCount }, () => placeholderRow) as never)
        .onConflict((oc) => oc.column('id' as never).doNothing())
        .compile();
      if (query.parameters.length !== rowCount * columns.length) {
        throw new Error(`bulk insert into ${table}: expected one parameter per column and row`);
      }
      text = query.sql;
      compiled.set(key, text);
    }
    return text;
  }

  /** The columns' types come from the catalogue once: the same in every schema the process uses. */
  async function buildUnnestSql(tx: Executor): Promise<string> {
    const { rows } = await tx.executeQuery<{ name: string; type: string }>(
      CompiledQuery.raw(
        `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
         where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
        [table],
      ),
    );
    const types = new Map(rows.map((row) => [row.name, row.type]));
    const arrays = columns.map((column, i) => {
      const type = types.get(column);
      if (!type) throw new Error(`bulk insert into ${table}: no column ${column}`);
      return `$${i + 1}::${type}[]`;
    });
    const names = columns.map((column) => `"${column}"`).join(', ');
    return `insert into "${table}" (${names}) select * from unnest(${arrays.join(', ')}) on conflict ("id") do nothing`;
  }

  async function insertPostgres(rows: readonly Database[T][], tx: Executor): Promise<void> {
    unnestSql ??= buildUnnestSql(tx).catch((error: unknown) => {
      unnestSql = null;
      throw error;
    });
    const text = await unnestSql;
    for (let i = 0; i < rows.length; i += POSTGRES_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + POSTGRES_ROWS_PER_STATEMENT);
      const parameters = columns.map((column) => chunk.map((row) => row[column]));
      await tx.executeQuery(CompiledQuery.raw(text, parameters));
    }
  }

  return async function insert(rows: readonly Database[T][], tx: Executor): Promise<void> {
    if (rows.length === 0) return;
    if (tx.getExecutor().adapter instanceof PostgresAdapter) return insertPostgres(rows, tx);
    for (let i = 0; i < rows.length; i += rowsPerStatement) {
      const chunk = rows.slice(i, i + rowsPerStatement);
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of columns) parameters.push(row[column]);
      await tx.executeQuery(CompiledQuery.raw(sqlFor(tx, chunk.length), parameters));
    }
  };
}
