import type { Executor } from '../db/database.js';
import { validationError } from '../http/errors.js';
import { decodeCursor } from '../http/pagination.js';
import { isIpFilter } from './ip-filter.js';
import { idBoundary } from './log-entry.js';
import type { LogQuery } from './log.schemas.js';
import { storedValue } from './request-log-columns.js';
import type { ApiCallSearch, BlockedSearch, RequestLogSearch } from './request-log.repository.js';
import type { ApiCallLogQuery, BlockedLogQuery, FailedApiCallLogQuery } from './request-log.schemas.js';

/** Where the licence filters find their keys: the licensing feature implements it. */
export interface LicenseKeyLookup {
  /** The licence's key; null when no licence has this id. */
  keyOf(licenseId: string): Promise<string | null>;
  /** The keys of the customer's licences; null when no customer has this id. */
  keysOfCustomer(customerId: string): Promise<string[] | null>;
}

export interface FilterDeps {
  /** Where the dictionaries are read (a route pattern filter becomes its code). */
  db: Executor;
  hashLicenseKey: (key: string) => Buffer;
  licenses: LicenseKeyLookup;
}

function ipRange(filter: string | undefined) {
  if (filter === undefined) return undefined;
  if (!isIpFilter(filter)) {
    throw validationError([{ field: 'ip', message: 'must be an IP address or a CIDR range' }]);
  }
  return storedValue.ip(filter);
}

/** What every request-log search shares: the page, the time range, the method, the address, the text. */
function commonSearch(query: LogQuery & { method?: string; ip?: string; q?: string }): RequestLogSearch {
  const bound = (date: string | undefined, end: boolean) =>
    date === undefined ? undefined : storedValue.entryId(idBoundary('log', new Date(date), end));
  const cursor = decodeCursor(query.cursor);
  return {
    limit: query.limit,
    before: cursor === undefined ? undefined : storedValue.entryId(cursor),
    fromId: bound(query.from, false),
    toId: bound(query.to, true),
    method: query.method === undefined ? undefined : storedValue.method(query.method),
    ip: ipRange(query.ip),
    text: query.q?.toLowerCase(),
  };
}

/** `404` or a class (`4xx`) as an inclusive range. */
function statusRange(status: string): { low: number; high: number } {
  if (status.endsWith('xx')) {
    const low = Number(status[0]) * 100;
    return { low, high: low + 99 };
  }
  return { low: Number(status), high: Number(status) };
}

/**
 * The licence keys a search is limited to: the full key typed by a support engineer, a licence's key,
 * or the keys of a customer's licences. Each becomes its keyed hash; several filters intersect. An
 * unknown licence or customer leaves nothing to match.
 */
async function licenseKeyHashes(query: ApiCallLogQuery, deps: FilterDeps): Promise<Buffer[] | undefined> {
  let keys: string[] | undefined;
  const narrow = (found: string[]) => {
    keys = keys === undefined ? found : keys.filter((key) => found.includes(key));
  };
  if (query.license_key !== undefined) narrow([query.license_key]);
  if (query.license_id !== undefined) {
    const key = await deps.licenses.keyOf(query.license_id);
    narrow(key === null ? [] : [key]);
  }
  if (query.customer_id !== undefined) narrow((await deps.licenses.keysOfCustomer(query.customer_id)) ?? []);
  return keys?.map((key) => storedValue.licenseKeyHash(deps.hashLicenseKey(key)));
}

export async function apiCallSearchOf(
  query: ApiCallLogQuery & Partial<Pick<FailedApiCallLogQuery, 'error_code'>>,
  failedLog: boolean,
  deps: FilterDeps,
): Promise<ApiCallSearch> {
  const status = query.status === undefined ? undefined : statusRange(query.status);
  return {
    ...commonSearch(query),
    failedOnly: failedLog || (status !== undefined && status.low >= 400),
    status,
    endpoint: query.endpoint === undefined ? undefined : await storedValue.endpoint(deps.db, query.endpoint),
    licenseKeyHashes: await licenseKeyHashes(query, deps),
    api_key_id: query.api_key_id === undefined ? undefined : storedValue.apiKeyId(query.api_key_id),
    product_id: query.product_id === undefined ? undefined : storedValue.productId(query.product_id),
    channel: query.channel === undefined ? undefined : storedValue.channel(query.channel),
    error_code: query.error_code === undefined ? undefined : storedValue.errorCode(query.error_code),
  };
}

export function blockedSearchOf(query: BlockedLogQuery): BlockedSearch {
  return {
    ...commonSearch(query),
    block_reason: query.block_reason === undefined ? undefined : storedValue.blockReason(query.block_reason),
    rule_id: query.rule_id === undefined ? undefined : storedValue.ruleId(query.rule_id),
    country_code: query.country === undefined ? undefined : storedValue.countryCode(query.country),
    min_threat_score: query.min_threat_score,
  };
}
