import { createHash, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/database.js';
import type { ApiKeyScope, ApiKeyTable, Role } from '../db/schema.js';
import { AppError, notFound } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import { maskApiKey } from '../logging/mask.js';
import type { CoreDeps } from '../shared/deps.js';
import { randomBase62 } from '../shared/random.js';
import { createApiKeyRepository, type ApiKeyRecord } from './api-key.repository.js';
import type { Principal } from './principal.js';

const SECRET_FORMAT = /^km_(live|test)_[0-9A-Za-z]{32}$/;
/** last_used_at is a hint, not an audit trail: writing it at most once a minute keeps it off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * Keys found valid are remembered this long, keyed by the secret's hash, so the licence API does not
 * read the key table on every call. A revocation through this process takes effect at once; one made
 * by another server process takes effect within this time (see README, "Several server processes").
 */
export const API_KEY_CACHE_TTL_MS = 10_000;
const API_KEY_CACHE_MAX = 10_000;

export interface NewApiKey {
  name: string;
  scope: ApiKeyScope;
  role?: Role | null;
  environment?: 'live' | 'test';
  expiresAt?: string | null;
  createdBy?: string | null;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const label = (apiKey: { id: string; masked: string }) => `API key ${apiKey.id} (${apiKey.masked})`;

export function createApiKeyService({ db, clock, ids }: CoreDeps) {
  const repository = createApiKeyRepository(db);
  const lastTouched = new Map<string, number>();
  const verified = new Map<string, { row: ApiKeyTable; until: number }>();
  const revokedListeners = new Set<() => Promise<void>>();

  async function findVerified(presented: string, now: number): Promise<ApiKeyTable | undefined> {
    const cached = verified.get(presented);
    if (cached && cached.until > now) return cached.row;
    const row = await repository.findForAuthentication(presented);
    // The lookup is by hash, so its timing says nothing about the secret; the final comparison is constant-time.
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(presented, 'hex'))) {
      verified.delete(presented);
      return undefined;
    }
    if (verified.size >= API_KEY_CACHE_MAX) verified.clear();
    verified.set(presented, { row, until: now + API_KEY_CACHE_TTL_MS });
    return row;
  }

  async function get(id: string, tx: Executor = db): Promise<ApiKeyRecord> {
    const apiKey = await repository.findById(id, tx);
    if (!apiKey) throw notFound('API key');
    return apiKey;
  }

  return {
    repository,

    /** Returns the record and the secret; the secret exists only in this return value. */
    async create(
      input: NewApiKey,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<{ apiKey: ApiKeyRecord; secret: string }> {
      const environment = input.environment ?? 'live';
      const secret = `km_${environment}_${randomBase62(32)}`;
      const row = {
        id: ids.next('key'),
        name: input.name,
        scope: input.scope,
        role: input.scope === 'admin' ? (input.role ?? 'admin') : null,
        environment,
        key_hash: hashSecret(secret),
        masked: maskApiKey(secret),
        created_by: input.createdBy ?? null,
        created_at: clock.now().toISOString(),
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        last_used_at: null,
      };
      await repository.insert(row, tx);
      const { key_hash: _hash, ...apiKey } = row;
      entry.note({
        resource_id: apiKey.id,
        resource: label(apiKey),
        details: {
          name: apiKey.name,
          scope: apiKey.scope,
          role: apiKey.role,
          environment: apiKey.environment,
          masked: apiKey.masked,
          expires_at: apiKey.expires_at,
        },
      });
      return { apiKey, secret };
    },

    /** Resolves a bearer secret to a principal, or throws the contract's 401. */
    async authenticate(secret: string, secretHash: string = hashSecret(secret)): Promise<Principal> {
      if (!SECRET_FORMAT.test(secret)) throw new AppError('ERR_INVALID_API_KEY');
      const now = clock.now();
      const row = await findVerified(secretHash, now.getTime());
      if (!row) throw new AppError('ERR_INVALID_API_KEY');
      if (row.revoked_at) throw new AppError('ERR_API_KEY_REVOKED');
      if (row.expires_at && new Date(row.expires_at) <= now) throw new AppError('ERR_API_KEY_EXPIRED');
      const touched = lastTouched.get(row.id) ?? 0;
      if (now.getTime() - touched >= TOUCH_INTERVAL_MS) {
        lastTouched.set(row.id, now.getTime());
        await repository.touch(row.id, now.toISOString());
      }
      return {
        kind: 'api_key',
        apiKeyId: row.id,
        name: row.name,
        scope: row.scope,
        role: row.role,
        masked: row.masked,
      };
    },

    async list(limit: number, beforeId?: string): Promise<Page<ApiKeyRecord>> {
      return toPage(await repository.list(limit + 1, beforeId), limit);
    },

    get,

    async revoke(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<ApiKeyRecord> {
      const before = await get(id, tx);
      entry.note({ resource: label(before), details: { name: before.name, masked: before.masked } });
      await repository.revoke(id, clock.now().toISOString(), tx);
      for (const [hash, cached] of verified) if (cached.row.id === id) verified.delete(hash);
      return get(id, tx);
    },

    /** Called by whoever else must act on a revocation (the security layer's revoked-key set). */
    onRevoked(listener: () => Promise<void>): void {
      revokedListeners.add(listener);
    },

    /** After the revocation committed, so listeners read the new state. */
    async notifyRevoked(): Promise<void> {
      for (const listener of revokedListeners) await listener();
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
