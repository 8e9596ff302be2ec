import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from './errors.js';

const DOC_PATH = new URL('../../docs/errors.md', import.meta.url);
const doc = readFileSync(DOC_PATH, 'utf8');

/** Rows of the codes table: | `ERR_X` | 404 | when | what to do | */
function documentedStatuses(markdown: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const match of markdown.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$/gm)) {
    const [, code = '', status = '', rest = ''] = match;
    // Both "when" and "what to do" must be filled in, or the row documents nothing.
    const cells = rest.split('|').map((cell) => cell.trim());
    if (cells.length < 2 || cells.some((cell) => cell.length === 0)) {
      throw new Error(`docs/errors.md: the row for ${code} needs "when" and "what to do"`);
    }
    rows.set(code, [...(rows.get(code) ?? []), Number(status)]);
  }
  return rows;
}

const catalogue = Object.entries(ERROR_CATALOGUE) as [ErrorCode, { status: number; message: string }][];
const documented = documentedStatuses(doc);

describe('docs/errors.md against ERROR_CATALOGUE', () => {
  it('parses a table of codes from the document', () => {
    expect(documented.size).toBeGreaterThan(0);
  });

  it.each(catalogue)('documents %s once, with the status the server answers', (code, { status }) => {
    expect(documented.get(code), `status(es) documented for ${code} in docs/errors.md`).toEqual([status]);
  });

  it('mentions no code the catalogue does not have', () => {
    const mentioned = new Set([...doc.matchAll(/\bERR_[A-Z0-9_]+\b/g)].map(([code]) => code));
    // `ERR_LICENSE_*` style wildcards refer to a family, not a code.
    const unknown = [...mentioned].filter((code) => !code.endsWith('_') && !(code in ERROR_CATALOGUE));
    expect(unknown).toEqual([]);
  });
});

describe('AppError', () => {
  it('takes its status and default message from the catalogue', () => {
    const error = new AppError('ERR_ACTIVATION_LIMIT');
    expect(error.status).toBe(403);
    expect(error.message).toBe(ERROR_CATALOGUE.ERR_ACTIVATION_LIMIT.message);
  });

  it('keeps a specific message and details', () => {
    const error = new AppError('ERR_VALIDATION', 'Bad.', [{ field: 'name', message: 'is required' }]);
    expect(error.status).toBe(422);
    expect(error.message).toBe('Bad.');
    expect(error.details).toEqual([{ field: 'name', message: 'is required' }]);
  });
});
