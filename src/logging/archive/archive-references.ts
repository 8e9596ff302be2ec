import type { ChainedLog } from '../integrity/chain.js';
import type { ArchiveLine } from './archive-format.js';

/**
 * Most of an API call's bytes belong to who made it: the licence key's mask and keyed hash, the
 * licence, customer and product, the API key, the address and the user agent, the same for every call
 * of one machine. A licence calls again long after gzip's 32 KiB window has moved on, so gzip alone
 * cannot see the repeat. A line whose caller was seen earlier in the same file says so instead:
 * `"ref": d` takes those fields from the line `d` lines above, and states only the ones that differ
 * (`null` for one that is absent here but set there).
 */
const CALLER_FIELDS: Partial<Record<ChainedLog, readonly string[]>> = {
  api_calls: [
    'license_key',
    'license_key_hash',
    'license_id',
    'customer_id',
    'product_id',
    'api_key',
    'api_key_id',
    'ip',
    'user_agent',
  ],
};
CALLER_FIELDS.failed_api_calls = CALLER_FIELDS.api_calls;

/** What identifies a caller across lines: the licence key's hash, else the address. */
const callerKey = (line: ArchiveLine) => (line.license_key_hash ?? line.ip) as string | undefined;

/** Writing: each line, in file order, with its caller's fields replaced by a reference where possible. */
export function lineCompactor(log: ChainedLog): (line: ArchiveLine) => ArchiveLine {
  const fields = CALLER_FIELDS[log];
  if (!fields) return (line) => line;
  const isCaller = new Set(fields);
  const seen = new Map<string, { index: number; line: ArchiveLine }>();
  let index = 0;
  return (line) => {
    const key = callerKey(line);
    const earlier = key === undefined ? undefined : seen.get(key);
    if (key !== undefined) seen.set(key, { index, line });
    const here = index++;
    if (!earlier) return line;
    // Built anew rather than by deleting fields: deleting makes every line a slow dictionary object.
    const compact: ArchiveLine = {};
    for (const field in line) {
      if (!isCaller.has(field) || line[field] !== earlier.line[field]) compact[field] = line[field];
    }
    compact.ref = here - earlier.index;
    for (const field of fields) {
      if (line[field] === undefined && earlier.line[field] !== undefined) compact[field] = null;
    }
    return compact;
  };
}

/** Reading: each line, in file order, with the fields its reference stands for put back. */
export function lineExpander(log: ChainedLog): (line: ArchiveLine) => ArchiveLine {
  const fields = CALLER_FIELDS[log];
  if (!fields) return (line) => line;
  const lines: ArchiveLine[] = [];
  return (line) => {
    const { ref, ...rest } = line;
    let full: ArchiveLine = rest;
    if (typeof ref === 'number') {
      const earlier = lines[lines.length - ref];
      if (!earlier) throw new Error(`a line refers to ${ref} lines above it, outside the file`);
      full = {};
      for (const [field, value] of Object.entries(rest)) if (value !== null) full[field] = value;
      for (const field of fields) {
        if (!(field in rest) && earlier[field] !== undefined) full[field] = earlier[field];
      }
    }
    lines.push(full);
    return full;
  };
}
