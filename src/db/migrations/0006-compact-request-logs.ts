import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Smaller API-call rows (ADR 0003): the route pattern and user agent become codes into dictionary
 * tables, the ids of other records their ULID's 16 bytes, the address 4 or 16 bytes, and a masked
 * default-format licence key its last four characters. The table is rebuilt and every row converted.
 * The stored forms are those of src/logging/request-log.codec.ts, restated here because a migration
 * stays as it shipped whatever the code becomes.
 */

type Row = Record<string, unknown>;
const BATCH = 500;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const REFERENCES = { api_key_id: 'key', license_id: 'lic', customer_id: 'cus', product_id: 'prd' } as const;
const DICTIONARIES = { endpoint: 'log_endpoints', user_agent: 'log_user_agents' } as const;
const MASK_HEAD = 'XXXX-XXXX-XXXX-';
const TEXT_TAG = 0xff;

function tagged(text: string, compactLengths: number[]): Buffer {
  const utf8 = Buffer.from(text);
  return Buffer.concat([Buffer.alloc(compactLengths.includes(utf8.length + 1) ? 2 : 1, TEXT_TAG), utf8]);
}

function untagged(stored: Buffer): string {
  let start = 0;
  while (stored[start] === TEXT_TAG) start++;
  return stored.subarray(start).toString();
}

function ulidBytes(ulid: string): Buffer {
  const out = Buffer.alloc(16);
  let acc = 0;
  let bits = -2;
  let byte = 0;
  for (const c of ulid) {
    acc = ((acc << 5) | CROCKFORD.indexOf(c)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[byte++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function ulidText(bytes: Buffer): string {
  let text = '';
  let acc = 0;
  let bits = 2;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += CROCKFORD[(acc >> bits) & 31];
    }
  }
  return text;
}

function referenceBytes(prefix: string, id: string | null): Buffer | null {
  if (id === null) return null;
  const ulid = id.slice(prefix.length + 1);
  const canonical = /^[0-7][0-9a-hjkmnp-tv-z]{25}$/.test(ulid) && id.startsWith(`${prefix}_`);
  return canonical ? ulidBytes(ulid) : tagged(id, [16]);
}

function referenceText(prefix: string, stored: Buffer | null): string | null {
  if (stored === null) return null;
  return stored.length === 16 ? `${prefix}_${ulidText(stored)}` : untagged(stored);
}

function ipBytes(ip: string | null): Buffer | null {
  if (ip === null) return null;
  if (isIP(ip) === 4 && ipaddr.IPv4.parse(ip).toString() === ip) {
    return Buffer.from(ipaddr.IPv4.parse(ip).toByteArray());
  }
  if (isIP(ip) === 6 && !ip.includes('%') && ipaddr.IPv6.parse(ip).toRFC5952String() === ip) {
    return Buffer.from(ipaddr.IPv6.parse(ip).toByteArray());
  }
  return tagged(ip, [4, 16]);
}

function ipText(stored: Buffer | null): string | null {
  if (stored === null) return null;
  if (stored.length === 4) return ipaddr.fromByteArray([...stored]).toString();
  if (stored.length === 16) return (ipaddr.fromByteArray([...stored]) as ipaddr.IPv6).toRFC5952String();
  return untagged(stored);
}

function maskTail(mask: string | null): string | null {
  if (mask === null) return null;
  const short = mask.length === MASK_HEAD.length + 4 && mask.startsWith(MASK_HEAD) && mask[15] !== '~';
  return short ? mask.slice(MASK_HEAD.length) : `~${mask}`;
}

function maskFromTail(stored: string | null): string | null {
  if (stored === null) return null;
  return stored.startsWith('~') ? stored.slice(1) : MASK_HEAD + stored;
}

/** Columns of the API-call log in either shape; only these differ between them. */
function apiCallColumns(
  compact: boolean,
  blob: RawBuilder<unknown>,
): [string, RawBuilder<unknown> | 'text' | 'integer', boolean][] {
  const ref = compact ? blob : ('text' as const);
  return [
    ['id', blob, true],
    [compact ? 'endpoint_id' : 'endpoint', compact ? 'integer' : 'text', false],
    ['path', 'text', false],
    ['method', 'integer', true],
    ['status', 'integer', true],
    ['response_time_us', 'integer', true],
    ['ip', ref, false],
    ['api_key', 'text', false],
    ['api_key_id', ref, false],
    ['request_size', 'integer', true],
    ['response_size', 'integer', true],
    [compact ? 'user_agent_id' : 'user_agent', compact ? 'integer' : 'text', false],
    ['license_key', 'text', false],
    ['license_key_hash', blob, false],
    ['license_id', ref, false],
    ['customer_id', ref, false],
    ['product_id', ref, false],
    ['channel', 'integer', true],
    ['direction', 'integer', true],
    ['error_code', 'text', false],
    ['error_message', 'text', false],
    ['stack_trace', 'text', false],
    ['validation_errors', 'text', false],
    ['retry_count', 'integer', false],
    ['request_body', 'text', false],
    ['request_body_truncated', 'integer', false],
  ];
}

/** Code of each text in its dictionary, adding the texts not yet in it. */
function dictionaryCodes(db: Kysely<any>, table: string) {
  const known = new Map<string, number>();
  return async (text: string | null): Promise<number | null> => {
    if (text === null) return null;
    let code = known.get(text);
    if (code === undefined) {
      const hash = createHash('sha256').update(text).digest().subarray(0, 16);
      const row = await db
        .insertInto(table)
        .values({ hash, value: text })
        .returning('id')
        .executeTakeFirstOrThrow();
      code = row.id as number;
      known.set(text, code);
    }
    return code;
  };
}

/** Builds the other shape of `api_call_log` beside it, copies every row converted, and swaps them. */
async function rebuild(
  db: Kysely<any>,
  postgres: boolean,
  compact: boolean,
  convert: (row: Row) => Promise<Row>,
) {
  const blob = postgres ? sql`bytea` : sql`blob`;
  let table = db.schema.createTable('api_call_log_rebuilt');
  for (const [name, type, notNull] of apiCallColumns(compact, blob)) {
    table = table.addColumn(name, type, (c) => (name === 'id' ? c.primaryKey() : notNull ? c.notNull() : c));
  }
  if (!postgres) table = table.modifyEnd(sql`without rowid`);
  await table.execute();

  let after: Buffer | null = null;
  for (;;) {
    let query = db.selectFrom('api_call_log').selectAll().orderBy('id').limit(BATCH);
    if (after) query = query.where('id', '>', after);
    const rows: Row[] = await query.execute();
    if (rows.length === 0) break;
    const converted: Row[] = [];
    for (const row of rows) converted.push(await convert(row));
    await db.insertInto('api_call_log_rebuilt').values(converted).execute();
    if (rows.length < BATCH) break;
    after = Buffer.from(rows.at(-1)!.id as Uint8Array);
  }

  await db.schema.dropIndex('api_call_log_license').execute();
  await db.schema.dropTable('api_call_log').execute();
  await db.schema.alterTable('api_call_log_rebuilt').renameTo('api_call_log').execute();
  // Support searches by the full licence key go through its keyed hash; only rows that carry one.
  await db.schema
    .createIndex('api_call_log_license')
    .on('api_call_log')
    .column('license_key_hash')
    .where(sql.ref('license_key_hash'), 'is not', null)
    .execute();
}

const buffer = (value: unknown) => (value === null ? null : Buffer.from(value as Uint8Array));

async function compactUp(db: Kysely<any>, postgres: boolean): Promise<void> {
  const blob = postgres ? sql`bytea` : sql`blob`;
  for (const name of Object.values(DICTIONARIES)) {
    await db.schema
      .createTable(name)
      .addColumn('id', 'integer', (c) =>
        postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
      )
      .addColumn('hash', blob, (c) => c.notNull().unique())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  }
  const endpointCode = dictionaryCodes(db, DICTIONARIES.endpoint);
  const userAgentCode = dictionaryCodes(db, DICTIONARIES.user_agent);
  await rebuild(db, postgres, true, async ({ endpoint, user_agent, ...row }) => {
    const out: Row = { ...row, id: buffer(row.id), license_key_hash: buffer(row.license_key_hash) };
    out.endpoint_id = await endpointCode(endpoint as string | null);
    out.user_agent_id = await userAgentCode(user_agent as string | null);
    out.ip = ipBytes(row.ip as string | null);
    out.license_key = maskTail(row.license_key as string | null);
    for (const [column, prefix] of Object.entries(REFERENCES)) {
      out[column] = referenceBytes(prefix, row[column] as string | null);
    }
    return out;
  });
}

async function compactDown(db: Kysely<any>, postgres: boolean): Promise<void> {
  const texts = async (table: string) =>
    new Map(
      (await db.selectFrom(table).select(['id', 'value']).execute()).map((r) => [
        r.id as number,
        r.value as string,
      ]),
    );
  const endpoints = await texts(DICTIONARIES.endpoint);
  const userAgents = await texts(DICTIONARIES.user_agent);
  await rebuild(db, postgres, false, async ({ endpoint_id, user_agent_id, ...row }) => {
    const out: Row = { ...row, id: buffer(row.id), license_key_hash: buffer(row.license_key_hash) };
    out.endpoint = endpoint_id === null ? null : (endpoints.get(endpoint_id as number) ?? null);
    out.user_agent = user_agent_id === null ? null : (userAgents.get(user_agent_id as number) ?? null);
    out.ip = ipText(buffer(row.ip));
    out.license_key = maskFromTail(row.license_key as string | null);
    for (const [column, prefix] of Object.entries(REFERENCES))
      out[column] = referenceText(prefix, buffer(row[column]));
    return out;
  });
  for (const name of Object.values(DICTIONARIES)) await db.schema.dropTable(name).execute();
}

/** PostgreSQL runs each migration in a transaction; on SQLite the conversion takes one of its own. */
async function inTransaction(db: Kysely<any>, work: (db: Kysely<any>, postgres: boolean) => Promise<void>) {
  const { postgres } = columnTypes(db);
  if (postgres || db.isTransaction) return work(db, postgres);
  await db.transaction().execute((tx) => work(tx, postgres));
}

export async function up(db: Kysely<any>): Promise<void> {
  await inTransaction(db, compactUp);
}

export async function down(db: Kysely<any>): Promise<void> {
  await inTransaction(db, compactDown);
}
