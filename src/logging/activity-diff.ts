type Plain = Record<string, unknown>;
type Fields = object;

const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function flatten(value: Plain, prefix = ''): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    if (isPlain(v)) Object.assign(out, flatten(v, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = v;
  }
  return out;
}

/**
 * The field-level before/after of a change, for an activity entry's details: only fields whose value
 * differs, nested settings named by path (`retention_days.activity`). Only `fields` are compared, so a
 * caller decides what an auditor may see.
 */
export function fieldChanges(
  beforeValue: Fields,
  afterValue: Fields,
  fields: readonly string[] = Object.keys(afterValue),
): Record<string, { before: unknown; after: unknown }> {
  const [before, after] = [beforeValue as Plain, afterValue as Plain];
  const pick = (o: Plain) => flatten(Object.fromEntries(fields.map((f) => [f, o[f]])));
  const [b, a] = [pick(before), pick(after)];
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) {
      changes[key] = { before: b[key] ?? null, after: a[key] ?? null };
    }
  }
  return changes;
}
