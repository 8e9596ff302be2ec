import type { Executor } from '../../src/db/database.js';
import { licenseKeyHasher } from '../../src/logging/license-key-hash.js';
import { createLogIdGenerator, methodCode, CHANNELS, timestampOfId } from '../../src/logging/log-entry.js';
import { maskLicenseKey } from '../../src/logging/mask.js';
import {
  createRequestLogRepository,
  type ApiCallInsert,
  type BlockedRow,
} from '../../src/logging/request-log.repository.js';
import type { FilterDeps } from '../../src/logging/request-log-filters.js';
import { manualClock } from '../../src/shared/clock.js';
import type { TestContext } from './app.js';

/** An API call as a test states it: readable values; the seeder stores them as the writer would. */
export interface ApiCallFacts {
  id: string;
  timestamp: string;
  endpoint: string;
  path: string | null;
  method: string;
  status: number;
  ip: string | null;
  api_key_id: string | null;
  user_agent: string | null;
  /** The full key the call presented; stored masked and as its keyed hash. */
  license_key: string | null;
  license_id: string | null;
  customer_id: string | null;
  product_id: string | null;
  channel: 'api' | 'portal' | 'cli';
  error_code: string | null;
  error_message: string | null;
}

export type BlockedFacts = Omit<BlockedRow, 'method'> & { method: string; timestamp: string };

/** Entries at chosen times, written straight to the tables: a data set with known answers, fast. */
export function requestLogSeeder(start: string) {
  const clock = manualClock(start);
  const nextId = createLogIdGenerator(clock);
  return {
    clock,
    apiCall(fields: Partial<ApiCallFacts> = {}): ApiCallFacts {
      const id = nextId();
      return {
        id,
        timestamp: timestampOfId(id),
        endpoint: '/api/v1/licenses/validate',
        path: null,
        method: 'POST',
        status: 200,
        ip: '198.51.100.1',
        api_key_id: null,
        user_agent: 'KeyManager-SDK/2.1.0',
        license_key: null,
        license_id: null,
        customer_id: null,
        product_id: null,
        channel: 'api',
        error_code: null,
        error_message: null,
        ...fields,
      };
    },
    blocked(fields: Partial<BlockedFacts> = {}): BlockedFacts {
      const id = nextId();
      return {
        id,
        timestamp: timestampOfId(id),
        block_reason: 'RATE_LIMIT_EXCEEDED',
        rule_id: null,
        ip: '198.51.100.1',
        method: 'POST',
        path: '/api/v1/licenses/validate',
        api_key: null,
        user_agent: 'curl/8.0',
        country_code: null,
        fingerprint: null,
        threat_score: 20,
        matched_location: null,
        ...fields,
      };
    },
  };
}

/** Facts as the writer hands them to the repository: masked, the licence key as its keyed hash. */
export function writerRows(
  hash: (key: string) => Buffer,
  apiCalls: ApiCallFacts[],
  blocked: BlockedFacts[] = [],
): { apiRows: ApiCallInsert[]; blockedRows: BlockedRow[] } {
  const apiRows: ApiCallInsert[] = apiCalls.map((c) => ({
    id: c.id,
    endpoint: c.endpoint,
    path: c.path,
    method: methodCode(c.method),
    status: c.status,
    response_time_us: 1500,
    ip: c.ip,
    api_key: null,
    api_key_id: c.api_key_id,
    request_size: 60,
    response_size: 120,
    user_agent: c.user_agent,
    license_key: c.license_key === null ? null : maskLicenseKey(c.license_key),
    license_key_hash: c.license_key === null ? null : hash(c.license_key),
    license_id: c.license_id,
    customer_id: c.customer_id,
    product_id: c.product_id,
    channel: (CHANNELS as readonly string[]).indexOf(c.channel),
    direction: 0,
    error_code: c.error_code,
    error_message: c.error_message,
    stack_trace: null,
    validation_errors: null,
    retry_count: null,
    request_body: null,
    request_body_truncated: null,
  }));
  const blockedRows: BlockedRow[] = blocked.map(({ timestamp: _timestamp, ...b }) => ({
    ...b,
    method: methodCode(b.method),
  }));
  return { apiRows, blockedRows };
}

export async function seedRequestLogs(
  t: TestContext,
  apiCalls: ApiCallFacts[],
  blocked: BlockedFacts[] = [],
): Promise<void> {
  const { apiRows, blockedRows } = writerRows(t.services.requestLogs.hashLicenseKey, apiCalls, blocked);
  await createRequestLogRepository(t.services.core.db).insertBatch(apiRows, blockedRows);
}

/** What the log searches need of a bare store, outside the application: no licences, a fixed hash secret. */
export function noLicences(db: Executor): FilterDeps {
  return {
    db,
    hashLicenseKey: licenseKeyHasher(Buffer.alloc(32, 7)),
    licenses: { keyOf: async () => null, keysOfCustomer: async () => null },
  };
}
