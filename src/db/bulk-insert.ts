import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Executor } from './database.js';
import type { Database } from './schema.js';

export interface BulkInsertOptions {
  /**
   * On SQLite, leave out of a statement the columns that are null in every row it inserts, so they take their
   * default instead of a bound null. Only for tables whose nullable columns all default to null, where
   * the stored rows are then the same; binding a value costs about as much as storing it, and most log
   * entries leave most of their columns null.
   */
  omitNullColumns?: boolean;
}

// Distinct (row count, column set) statements kept per insert; the log writer uses a handful.
const MAX_COMPILED = 256;

// PostgreSQL takes a whole batch in one statement of one array per column; the bound keeps one
// statement's arrays to a few megabytes.
const POSTGRES_ROWS_PER_STATEMENT = 5000;

/**
 * A multi-row `INSERT … ON CONFLICT (id) DO NOTHING` whose SQL is compiled once (per row count and set
 * of columns) and reused: building a
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
  options: BulkInsertOptions = {},
) {
  // SQLite's statements, by row count and set of columns (PostgreSQL has one, `unnestSql`).
  const compiled = new Map<string, string>();
  const idColumn = columns.indexOf('id' as keyof Database[T] & string);
  let unnestSql: Promise<string> | null = null;

  function sqlFor(tx: Executor, rowCount: number, used: readonly boolean[], usedKey: string): string {
    const key = `${rowCount}:${usedKey}`;
    let text = compiled.get(key);
    if (text === undefined) {
      const names = columns.filter((_, c) => used[c]);
      const placeholderRow = Object.fromEntries(names.map((column) => [column, null]));
      const query = tx
        .insertInto(table)
        .values(Array.from({ length: rowCount }, () => placeholderRow) as never)
        .onConflict((oc) => oc.column('id' as never).doNothing())
        .compile();
      if (query.parameters.length !== rowCount * names.length) {
        throw new Error(`bulk insert into ${table}: expected one parameter per column and row`);
      }
      text = query.sql;
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(key, text);
    }
    return text;
  }

  /** Which columns the rows of a chunk need: all of them, or those with a value in some row. */
  function usedColumns(chunk: readonly Database[T][]): { used: boolean[]; key: string } {
    const used = columns.map((column, c) => {
      if (!options.omitNullColumns || c === idColumn) return true;
      for (const row of chunk) if (row[column] !== null) return true;
      return false;
    });
    return { used, key: used.map((u) => (u ? '1' : '0')).join('') };
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
      const { used, key } = usedColumns(chunk);
      const names = columns.filter((_, c) => used[c]);
      const parameters = new Array<unknown>(chunk.length * names.length);
      let p = 0;
      for (const row of chunk) for (const column of names) parameters[p++] = row[column];
      await tx.executeQuery(CompiledQuery.raw(sqlFor(tx, chunk.length, used, key), parameters));
    }
  };
}
