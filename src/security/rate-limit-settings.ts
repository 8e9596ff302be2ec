import type { RateLimit, RateLimitSettings } from './security-types.js';

/**
 * Defaults of `/api/v1/security/rate-limits` (reasons in the README, "Security rules"): generous for
 * real licence traffic, far below what guessing keys or hammering one needs.
 */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  per_ip: { limit: 600, window_seconds: 60 },
  per_api_key: { limit: 6000, window_seconds: 60 },
  per_license_key: { limit: 120, window_seconds: 60 },
};

export const RATE_LIMIT_SCOPES = ['per_ip', 'per_api_key', 'per_license_key'] as const;

export type RateLimitsPatch = Partial<Record<keyof RateLimitSettings, Partial<RateLimit>>>;

/** `patch` over `base`, field by field; also fills a stored document from an older version. */
export function mergeRateLimits(
  base: RateLimitSettings,
  patch: RateLimitsPatch | undefined,
): RateLimitSettings {
  const merged = {} as RateLimitSettings;
  for (const scope of RATE_LIMIT_SCOPES) merged[scope] = { ...base[scope], ...patch?.[scope] };
  return merged;
}
