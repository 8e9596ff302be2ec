import type { ValidateFunction } from 'ajv';
import { parse } from 'csv-parse/sync';
import { validatorCompiler, fieldErrors } from '../http/validation.js';
import { CreateLicenseBody } from './license.schemas.js';

export const MAX_IMPORT_ROWS = 10_000;

/** `row` is null for a problem with the file as a whole. */
export interface ImportRowError {
  row: number | null;
  field: string;
  message: string;
}

export interface ImportRow {
  row: number;
  input: CreateLicenseBody;
}

export const ROW_NUMBERING =
  'Rows are numbered as the file shows them: in CSV, the line number (the header is line 1, so the first licence is row 2); in JSON, the position in the "licenses" array starting at 1.';

const CSV_COLUMNS = new Set([
  'product_id',
  'customer_id',
  'key',
  'max_activations',
  'expires_at',
  'features',
  'metadata',
]);

// Each row is checked against the very schema POST /licenses uses, so both paths accept the same licences.
const validateRow = validatorCompiler({
  schema: CreateLicenseBody,
  httpPart: 'body',
  method: 'POST',
  url: '/licenses/import',
}) as ValidateFunction;

class CellError extends Error {}

/** CSV cells are text: empty means "not given", and a few columns carry numbers, lists or JSON. */
function cellValue(column: string, raw: string): unknown {
  if (raw === '') return undefined;
  switch (column) {
    case 'max_activations':
      if (/^(unlimited|null)$/i.test(raw)) return null;
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case 'features':
      if (!raw.startsWith('[')) {
        return raw
          .split(';')
          .map((feature) => feature.trim())
          .filter(Boolean);
      }
      return parseJsonCell(raw);
    case 'metadata':
      return parseJsonCell(raw);
    default:
      return raw;
  }
}

function parseJsonCell(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new CellError('is not valid JSON');
  }
}

/** Reads a CSV file into raw rows; problems with the file or a cell become row errors. */
export function readCsv(text: string): { rows: { row: number; value: unknown }[]; errors: ImportRowError[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return { rows: [], errors: [{ row: line ?? null, field: '(file)', message: 'is not valid CSV' }] };
  }
  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [] };
  const errors: ImportRowError[] = [];
  const columns = header.record.map((name) => name.trim().toLowerCase());
  columns.forEach((column, index) => {
    if (!CSV_COLUMNS.has(column)) errors.push({ row: 1, field: column, message: 'is not an allowed column' });
    else if (columns.indexOf(column) !== index)
      errors.push({ row: 1, field: column, message: 'is repeated' });
  });
  if (errors.length) return { rows: [], errors };

  const rows = data.map(({ record, info }) => {
    const value: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      try {
        const cell = cellValue(column, record[index] ?? '');
        if (cell !== undefined) value[column] = cell;
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        errors.push({ row: info.lines, field: column, message: error.message });
      }
    });
    return { row: info.lines, value };
  });
  return { rows, errors };
}

/** A JSON import is `{"licenses": [...]}` and nothing else. */
export function readJson(body: unknown): {
  rows: { row: number; value: unknown }[];
  errors: ImportRowError[];
} {
  const shape = body as { licenses?: unknown } | null;
  if (typeof shape !== 'object' || shape === null || !Array.isArray(shape.licenses)) {
    return { rows: [], errors: [{ row: null, field: 'licenses', message: 'must be an array of licences' }] };
  }
  const extra = Object.keys(shape).filter((key) => key !== 'licenses');
  if (extra.length) {
    return {
      rows: [],
      errors: extra.map((field) => ({ row: null, field, message: 'is not an allowed field' })),
    };
  }
  return { rows: shape.licenses.map((value, index) => ({ row: index + 1, value })), errors: [] };
}

/** Checks each row's shape and types, and that custom keys are unique within the file. */
export function checkRows(raw: { row: number; value: unknown }[]): {
  rows: ImportRow[];
  errors: ImportRowError[];
} {
  const errors: ImportRowError[] = [];
  const rows: ImportRow[] = [];
  const firstRowOfKey = new Map<string, number>();
  for (const { row, value } of raw) {
    if (!validateRow(value)) {
      for (const error of fieldErrors(validateRow.errors ?? [])) errors.push({ row, ...error });
      continue;
    }
    const input = value as CreateLicenseBody;
    if (input.key !== undefined) {
      const first = firstRowOfKey.get(input.key);
      if (first !== undefined) {
        errors.push({ row, field: 'key', message: `repeats the key of row ${first}` });
        continue;
      }
      firstRowOfKey.set(input.key, row);
    }
    rows.push({ row, input });
  }
  return { rows, errors };
}
