import { parseJson } from '../db/json.js';
import { validationError } from '../http/errors.js';
import { decodeCursor, toPage, type Page } from '../http/pagination.js';
import { ACTIVITY_RESOURCE_TYPES } from './activity-actions.js';
import type { ActivityRepository, ActivityRow, ActivitySearch } from './activity.repository.js';
import { ipFilterRange } from './ip-filter.js';
import { idBoundary } from './log-entry.js';
import type { ActivityEntry, ActivityLogQuery } from './log.schemas.js';

const ACTOR_ID = /^(adm|key)_[0-9a-z]{26}$/;

export function entryOf(row: ActivityRow): ActivityEntry {
  return {
    id: row.id,
    timestamp: row.timestamp,
    admin_user: row.admin_user,
    actor_type: row.actor_type,
    channel: row.channel,
    action_type: row.action_type,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    resource: row.resource,
    details: parseJson<Record<string, unknown>>(row.details) ?? {},
    result: row.result,
    error_code: row.error_code,
    ip: row.ip,
    session_id: row.session_id,
    user_agent: row.user_agent,
    actor_id: row.actor_id,
  };
}

/** The API's filters as columns: each one an indexed equality or range (see migration 0005). */
function searchOf(query: ActivityLogQuery): ActivitySearch {
  const search: ActivitySearch = {
    limit: query.limit,
    before: decodeCursor(query.cursor),
    fromId: query.from ? idBoundary('log', new Date(query.from), false) : undefined,
    toId: query.to ? idBoundary('log', new Date(query.to), true) : undefined,
    action_type: query.action_type,
    result: query.result,
    channel: query.channel,
  };
  if (query.admin !== undefined) {
    if (ACTOR_ID.test(query.admin)) search.actor_id = query.admin;
    // Admin emails are stored in lower case; API key names exactly as given.
    else search.admin_user = query.admin.includes('@') ? query.admin.toLowerCase() : query.admin;
  }
  if (query.resource !== undefined) {
    if ((ACTIVITY_RESOURCE_TYPES as readonly string[]).includes(query.resource)) {
      search.resource_type = query.resource;
    } else {
      search.resource_id = query.resource;
    }
  }
  if (query.ip !== undefined) {
    const range = ipFilterRange(query.ip);
    if (!range) throw validationError([{ field: 'ip', message: 'must be an IP address or a CIDR range' }]);
    search.ip = range;
  }
  if (query.q !== undefined) search.text = query.q.toLowerCase();
  return search;
}

/** Searching the admin activity log: newest first, keyset-paginated, in the contract's field names. */
export function createActivityQueryService(repository: ActivityRepository) {
  return {
    async list(query: ActivityLogQuery): Promise<Page<ActivityEntry>> {
      const page = toPage(await repository.search(searchOf(query)), query.limit);
      return { data: page.data.map(entryOf), next_cursor: page.next_cursor };
    },
  };
}

export type ActivityQueryService = ReturnType<typeof createActivityQueryService>;
