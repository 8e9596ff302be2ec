import type { Db } from '../../src/db/database.js';
import { createLogIdGenerator, methodCode } from '../../src/logging/log-entry.js';
import {
  createRequestLogRepository,
  type ApiCallInsert,
  type BlockedRow,
} from '../../src/logging/request-log.repository.js';
import { manualClock } from '../../src/shared/clock.js';

export interface SeedCall {
  at: string;
  endpoint?: string;
  method?: string;
  status?: number;
  ms?: number;
  error_code?: string | null;
  ip?: string | null;
  license?: string | null;
  user_agent?: string | null;
  channel?: number;
}

/** Stored entries at chosen instants, through the log repository as the writer stores them. */
export async function seedRequestLogs(
  db: Db,
  calls: SeedCall[],
  blocked: { at: string; reason: string; ip?: string }[] = [],
): Promise<void> {
  const clock = manualClock();
  const nextId = createLogIdGenerator(clock);
  const apiRows: ApiCallInsert[] = calls.map((c) => {
    clock.set(c.at);
    const status = c.status ?? 200;
    return {
      id: nextId(),
      endpoint: c.endpoint ?? '/api/v1/licenses/validate',
      path: null,
      method: methodCode(c.method ?? 'POST'),
      status,
      response_time_us: Math.round((c.ms ?? 5) * 1000),
      ip: c.ip === undefined ? '198.51.100.1' : c.ip,
      api_key: null,
      api_key_id: null,
      request_size: 10,
      response_size: 10,
      user_agent: c.user_agent === undefined ? 'KeyManager-SDK/2.1.0' : c.user_agent,
      license_key: c.license ? `XXXX-XXXX-XXXX-${c.license.slice(-4)}` : null,
      license_key_hash: c.license ? Buffer.from(c.license.padEnd(16, '#').slice(0, 16)) : null,
      license_id: null,
      customer_id: null,
      product_id: null,
      channel: c.channel ?? 0,
      direction: 0,
      error_code: status >= 400 ? (c.error_code ?? 'ERR_INTERNAL') : null,
      error_message: null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    } as unknown as ApiCallInsert;
  });
  const blockedRows: BlockedRow[] = blocked.map((b) => {
    clock.set(b.at);
    return {
      id: nextId(),
      block_reason: b.reason,
      rule_id: null,
      ip: b.ip ?? '203.0.113.9',
      method: methodCode('POST'),
      path: '/api/v1/licenses/validate',
      api_key: null,
      user_agent: 'curl/8.0',
      country_code: null,
      fingerprint: null,
      threat_score: 50,
      matched_location: null,
    };
  });
  const repository = createRequestLogRepository(db);
  for (let i = 0; i < Math.max(apiRows.length, blockedRows.length); i += 1000) {
    await db
      .transaction()
      .execute((tx) =>
        repository.insertBatch(apiRows.slice(i, i + 1000), blockedRows.slice(i, i + 1000), tx),
      );
  }
}
