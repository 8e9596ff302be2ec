import type { SinkEntry, SinkFilters } from './sink-types.js';

type ListFilters = Partial<Record<Exclude<keyof SinkFilters, 'min_threat_score'>, readonly string[]>>;

/**
 * Whether a sink with these filters receives the entry. A filter applies to the logs that have its
 * field (sink-input.ts refuses one that none of the sink's logs has); on another log it is no condition.
 */
export function matchesFilters(filters: SinkFilters, entry: SinkEntry): boolean {
  // Compared as text: an entry's values are plain strings, the filters' lists closed sets of them.
  const lists: ListFilters = filters;
  const f = entry.fields as Record<string, unknown>;
  const has = (list: readonly string[] | undefined, value: unknown) => !list || list.includes(String(value));
  const isApi = entry.log === 'api-calls' || entry.log === 'failed-api-calls';
  if (isApi) {
    if (!has(lists.status_classes, `${String(f.status).charAt(0)}xx`)) return false;
    if (!has(lists.endpoints, f.endpoint)) return false;
  }
  if ((isApi || entry.log === 'blocked') && !has(lists.methods, f.method)) return false;
  if (entry.log === 'blocked') {
    if (!has(lists.block_reasons, f.block_reason)) return false;
    if (filters.min_threat_score !== undefined && Number(f.threat_score ?? 0) < filters.min_threat_score) {
      return false;
    }
  }
  if (entry.log === 'activity') {
    if (!has(lists.action_types, f.action_type)) return false;
    if (!has(lists.results, f.result)) return false;
  }
  return true;
}
