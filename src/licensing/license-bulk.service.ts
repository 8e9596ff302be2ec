import { isUniqueViolation, type Executor } from '../db/database.js';
import { NO_ENTRY } from '../logging/activity.service.js';
import { inTransaction } from '../db/transaction.js';
import { AppError } from '../http/errors.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
import { licenseEventData } from '../webhooks/webhook-events.js';
import type { CustomerRepository } from './customer.repository.js';
import {
  checkRows,
  MAX_IMPORT_ROWS,
  readCsv,
  readJson,
  ROW_NUMBERING,
  type ImportRowError,
} from './license-import.js';
import type { License, LicenseFilters } from './license.schemas.js';
import { newLicenseRow, toLicense, type LicenseService } from './license.service.js';
import type { ProductRepository } from './product.repository.js';

/** Enough for a person to fix a file; a file with more problems than this is wrong as a whole. */
const MAX_REPORTED_ERRORS = 1000;
const EXPORT_PAGE = 1000;

function rejectImport(errors: ImportRowError[]): AppError {
  const sorted = [...errors].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  const more =
    sorted.length > MAX_REPORTED_ERRORS ? ` Only the first ${MAX_REPORTED_ERRORS} are listed.` : '';
  return new AppError(
    'ERR_IMPORT_INVALID',
    `The import has invalid rows; nothing was imported. ${ROW_NUMBERING}${more}`,
    sorted.slice(0, MAX_REPORTED_ERRORS),
  );
}

async function inChunks(ids: string[], lookup: (chunk: string[]) => Promise<Set<string>>) {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const id of await lookup(ids.slice(i, i + 1000))) found.add(id);
  }
  return found;
}

export function createLicenseBulkService(
  { db, clock, ids }: CoreDeps,
  deps: { licenses: LicenseService; products: ProductRepository; customers: CustomerRepository },
  events: EventEmitter = NO_EVENTS,
) {
  const { repository } = deps.licenses;

  return {
    /** All or nothing: every row is checked before anything is written, then one transaction inserts them. */
    async import(
      format: 'csv' | 'json',
      body: unknown,
      tx: Executor = db,
      entry = NO_ENTRY,
    ): Promise<{ imported: number; licenses: License[] }> {
      const read = format === 'csv' ? readCsv(typeof body === 'string' ? body : '') : readJson(body);
      if (read.rows.length > MAX_IMPORT_ROWS) {
        throw rejectImport([
          { row: null, field: 'licenses', message: `has more than ${MAX_IMPORT_ROWS} rows` },
        ]);
      }
      if (read.errors.length === 0 && read.rows.length === 0) {
        throw rejectImport([{ row: null, field: 'licenses', message: 'has no rows' }]);
      }
      const checked = checkRows(read.rows);
      const errors = [...read.errors, ...checked.errors];

      const distinct = (values: (string | null | undefined)[]) => [
        ...new Set(values.filter((v): v is string => typeof v === 'string')),
      ];
      const inputs = checked.rows.map(({ input }) => input);
      entry.note({ details: { format, rows: read.rows.length } });
      const products = await inChunks(distinct(inputs.map((i) => i.product_id)), (c) =>
        deps.products.existingIds(c, tx),
      );
      const customers = await inChunks(distinct(inputs.map((i) => i.customer_id)), (c) =>
        deps.customers.existingIds(c, tx),
      );
      const takenKeys = await repository.existingKeys(distinct(inputs.map((i) => i.key)), tx);
      for (const { row, input } of checked.rows) {
        if (!products.has(input.product_id)) {
          errors.push({ row, field: 'product_id', message: 'does not refer to an existing product' });
        }
        if (input.customer_id && !customers.has(input.customer_id)) {
          errors.push({ row, field: 'customer_id', message: 'does not refer to an existing customer' });
        }
        if (input.key !== undefined && takenKeys.has(input.key)) {
          errors.push({ row, field: 'key', message: 'is already used by another licence' });
        }
      }
      if (errors.length) throw rejectImport(errors);

      const now = clock.now().toISOString();
      const rows = inputs.map((input) => newLicenseRow(input, ids.next('lic'), now));
      try {
        await inTransaction(tx, async (inner) => {
          await repository.insert(rows, inner);
          await events.emit(
            inner,
            rows.map((row) => ({
              type: 'license.created' as const,
              data: licenseEventData(toLicense({ ...row, activations_used: 0 }, clock.now())),
            })),
          );
        });
      } catch (error) {
        // A key taken by a concurrent request after the checks: still nothing was written.
        if (isUniqueViolation(error))
          throw new AppError('ERR_CONFLICT', 'A licence key in the file is already used.');
        throw error;
      }
      entry.note({ details: { imported: rows.length, license_ids: rows.slice(0, 100).map((r) => r.id) } });
      const at = clock.now();
      return {
        imported: rows.length,
        licenses: rows.map((row) => toLicense({ ...row, activations_used: 0 }, at)),
      };
    },

    /** Pages through the licences newest first, so an export never holds the whole table in memory. */
    async *exportRows(filters: LicenseFilters): AsyncGenerator<License> {
      const now = clock.now();
      let beforeId: string | undefined;
      for (;;) {
        const rows = await repository.list(filters, now.toISOString(), EXPORT_PAGE, beforeId);
        for (const row of rows) yield toLicense(row, now);
        if (rows.length < EXPORT_PAGE) return;
        beforeId = rows.at(-1)?.id;
      }
    },
  };
}

export type LicenseBulkService = ReturnType<typeof createLicenseBulkService>;
