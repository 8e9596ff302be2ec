import { unaudited } from '../../src/logging/activity.service.js';
import type { Services } from '../../src/services.js';

const UNLIMITED = { limit: 1_000_000, window_seconds: 1 };

/**
 * For tests of other features that send a lot of traffic from one address while the test clock stands
 * still (so no quota ever refills): the rate limits must not be what they measure.
 */
export async function liftRateLimits(services: Services): Promise<void> {
  await services.securityRules.updateRateLimits(
    { per_ip: UNLIMITED, per_api_key: UNLIMITED, per_license_key: UNLIMITED },
    unaudited(services.core.db),
    null,
  );
}

/**
 * For tests of authentication that present hundreds of wrong keys from the test client's address on
 * purpose: allowlisted, it is never banned (revoked keys are still refused, allowlisted or not).
 */
export async function allowlistTestClient(services: Services, address = '127.0.0.1'): Promise<void> {
  await services.securityRules.addAllowlistEntry(
    { value: address, note: 'test client' },
    unaudited(services.core.db),
    null,
  );
}
