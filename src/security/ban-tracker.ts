import { randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { BanCheck, BanStore } from './ban-store.js';
import type { BanOrder, Offence, OffenceKind } from './security-types.js';

export type BanSubject = BanOrder['type'];

/**
 * fail2ban semantics for one offence against one subject: `max_failures` within `find_time_seconds` bans
 * the subject for `ban_time_seconds × 2^previous bans`, at most `max_ban_time_seconds`. Policies are per
 * offence *and* subject because one address may be shared by many clients (an office, a mobile carrier's
 * NAT) while a fingerprint (address + client traits) is one client: the narrow subject gets the low
 * threshold, the wide one a higher threshold.
 */
export interface BanPolicy {
  offence: OffenceKind;
  subject: BanSubject;
  /**
   * Count distinct keys (the guessed licence key's or the wrong API key's hash) rather than offences: a
   * misconfigured client repeating one wrong key is not guessing keys.
   */
  distinct_keys: boolean;
  max_failures: number;
  find_time_seconds: number;
  ban_time_seconds: number;
  max_ban_time_seconds: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/** The defaults the README's "Automatic bans" section explains. */
export const DEFAULT_BAN_POLICIES: readonly BanPolicy[] = [
  {
    offence: 'invalid_api_key',
    subject: 'ip',
    distinct_keys: true,
    max_failures: 10,
    find_time_seconds: 10 * MINUTE,
    ban_time_seconds: 30 * MINUTE,
    max_ban_time_seconds: 24 * HOUR,
  },
  {
    offence: 'unknown_license_key',
    subject: 'fingerprint',
    distinct_keys: true,
    max_failures: 10,
    find_time_seconds: 10 * MINUTE,
    ban_time_seconds: HOUR,
    max_ban_time_seconds: 24 * HOUR,
  },
  {
    offence: 'unknown_license_key',
    subject: 'ip',
    distinct_keys: true,
    max_failures: 30,
    find_time_seconds: 10 * MINUTE,
    ban_time_seconds: HOUR,
    max_ban_time_seconds: 24 * HOUR,
  },
  {
    offence: 'unknown_license_key',
    subject: 'api_key',
    distinct_keys: true,
    max_failures: 200,
    find_time_seconds: 10 * MINUTE,
    ban_time_seconds: HOUR,
    max_ban_time_seconds: 24 * HOUR,
  },
  {
    offence: 'attack_pattern',
    subject: 'ip',
    distinct_keys: false,
    max_failures: 10,
    find_time_seconds: 10 * MINUTE,
    ban_time_seconds: 30 * MINUTE,
    max_ban_time_seconds: 24 * HOUR,
  },
];

export interface BanTrackerDeps {
  store: BanStore;
  policies?: readonly BanPolicy[];
  clock: Clock;
  /** Earlier automatic bans of this subject (the caller keeps that history with its ban rules). */
  previousBans(type: BanSubject, value: string): Promise<number>;
  /** Allowlisted addresses are never banned: their offences are not even counted. */
  isAllowlisted(ip: string): boolean;
}

export interface BanTracker {
  /** Counts the offence; answers the bans to create now (none for a subject already banned). */
  recordOffence(offence: Offence): Promise<BanOrder[]>;
  /** An admin lifted a ban: the subject's offences count afresh from now on. */
  liftBan(type: BanSubject, value: string): Promise<void>;
}

/** Ban length for a subject banned `previous` times before: doubling, capped. Pure. */
export function banSeconds(policy: BanPolicy, previous: number): number {
  const doublings = Math.min(Math.max(0, Math.floor(previous)), 52);
  return Math.min(policy.ban_time_seconds * 2 ** doublings, policy.max_ban_time_seconds);
}

function subjectValue(offence: Offence, subject: BanSubject): string | null {
  if (subject === 'ip') return offence.ip;
  if (subject === 'fingerprint') return offence.fingerprint;
  return offence.api_key_id ?? null;
}

function countedKey(offence: Offence): string | null {
  if (offence.kind === 'unknown_license_key') return offence.license_key_hash ?? null;
  if (offence.kind === 'invalid_api_key') return offence.api_key_hash ?? null;
  return null;
}

const OFFENCE_WORDS: Record<OffenceKind, string> = {
  invalid_api_key: 'wrong API keys',
  unknown_license_key: 'unknown licence keys',
  attack_pattern: 'attack patterns',
};

function banReason(policy: BanPolicy): string {
  const what = `${policy.max_failures}${policy.distinct_keys ? ' distinct' : ''} ${OFFENCE_WORDS[policy.offence]}`;
  return `automatic ban: ${what} within ${Math.round(policy.find_time_seconds / MINUTE)} min`;
}

export function createBanTracker(deps: BanTrackerDeps): BanTracker {
  const policies = deps.policies ?? DEFAULT_BAN_POLICIES;

  return {
    async recordOffence(offence) {
      if (deps.isAllowlisted(offence.ip)) return [];
      const now = deps.clock.now().getTime();
      const applied: Array<{ policy: BanPolicy; value: string; check: BanCheck }> = [];
      for (const policy of policies) {
        if (policy.offence !== offence.kind) continue;
        const value = subjectValue(offence, policy.subject);
        if (!value) continue;
        // Without the key's hash each offence counts on its own (unique member): never fewer bans than
        // the caller asked for by reporting offences.
        const member =
          (policy.distinct_keys && countedKey(offence)) || `once:${randomBytes(9).toString('base64url')}`;
        const check: BanCheck = {
          counter: `${policy.offence}:${policy.subject}:${value}`,
          subject: `${policy.subject}:${value}`,
          member,
          max_failures: policy.max_failures,
          find_time_ms: policy.find_time_seconds * 1000,
          ban_time_ms: policy.ban_time_seconds * 1000,
        };
        applied.push({ policy, value, check });
      }
      if (applied.length === 0) return [];

      const crossed = await deps.store.record(
        applied.map((a) => a.check),
        now,
      );
      const orders: BanOrder[] = [];
      for (const [i, { policy, value, check }] of applied.entries()) {
        if (!crossed[i]) continue;
        const previous = await deps.previousBans(policy.subject, value);
        const seconds = banSeconds(policy, previous);
        const until = now + seconds * 1000;
        if (seconds !== policy.ban_time_seconds) await deps.store.extendBan(check.subject, until, now);
        orders.push({
          type: policy.subject,
          value,
          reason: banReason(policy),
          expires_at: new Date(until).toISOString(),
          previous_bans: previous,
        });
      }
      return orders;
    },
    async liftBan(type, value) {
      await deps.store.unmark(`${type}:${value}`);
    },
  };
}
