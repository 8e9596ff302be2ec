/**
 * Pure decisions for login throttling: whether an attempt may proceed given the recent failures of
 * its account and of its IP address, and how long to slow down the answer to a failure.
 */
export interface ThrottleSettings {
  maxFailures: number;
  windowMinutes: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const DELAY_STEP_MS = 250;
const DELAY_CAP_MS = 2_000;

export function windowStart(now: Date, settings: ThrottleSettings): Date {
  return new Date(now.getTime() - settings.windowMinutes * 60_000);
}

/** When the oldest failures that keep `times` (ascending, inside the window) at the limit leave it. */
function unlockAt(times: string[], settings: ThrottleSettings): number | null {
  if (times.length < settings.maxFailures) return null;
  const pivot = times[times.length - settings.maxFailures];
  return pivot === undefined ? null : new Date(pivot).getTime() + settings.windowMinutes * 60_000;
}

export function decideLogin(
  byEmail: string[],
  byIp: string[],
  now: Date,
  settings: ThrottleSettings,
): ThrottleDecision {
  const unlocks = [unlockAt(byEmail, settings), unlockAt(byIp, settings)].filter(
    (t): t is number => t !== null && t > now.getTime(),
  );
  if (unlocks.length === 0) return { allowed: true };
  const retryAfterSeconds = Math.max(1, Math.ceil((Math.max(...unlocks) - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds };
}

/** 250 ms per failure so far, capped at 2 s: slows guessing without hurting a person who mistyped. */
export function failureDelayMs(failuresSoFar: number): number {
  return Math.min(DELAY_STEP_MS * Math.max(1, failuresSoFar), DELAY_CAP_MS);
}
