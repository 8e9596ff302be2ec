import { validationError, type FieldError } from '../http/errors.js';
import { isCountryCode } from './countries.js';
import { parseIpOrCidr } from './ip-address.js';
import type { RuleType } from './security-types.js';

export interface RuleInput {
  type: RuleType;
  value: string;
  reason?: string | null;
  expires_at?: string | null;
}

export interface CheckedRule {
  type: RuleType;
  /** Normalised: what is stored and matched. */
  value: string;
  reason: string | null;
  expires_at: string | null;
}

/**
 * A user-agent rule is a literal text found anywhere in the header, ignoring case; never a regular
 * expression, so no rule can make matching slow (ReDoS). Three characters at least: one or two would
 * match nearly every browser, the portal's included, and lock the administrators out.
 */
export const USER_AGENT_RULE_MIN = 3;
export const USER_AGENT_RULE_MAX = 200;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const KEY_ID = /^key_[0-9a-z]{26}$/;

type ValueCheck = { ok: true; value: string } | { ok: false; message: string };

/** The stored form of a rule value, or why it cannot be one; `api_key` ids are checked for existence apart. */
export function checkRuleValue(type: RuleType, raw: string): ValueCheck {
  const value = raw.trim();
  switch (type) {
    case 'ip': {
      const parsed = parseIpOrCidr(value);
      return parsed.ok ? { ok: true, value: parsed.range.text } : parsed;
    }
    case 'country': {
      const code = value.toUpperCase();
      if (!/^[A-Z]{2}$/.test(code))
        return { ok: false, message: 'must be an ISO 3166-1 alpha-2 code (DE, US)' };
      if (!isCountryCode(code)) return { ok: false, message: `"${code}" is not an assigned ISO 3166-1 code` };
      return { ok: true, value: code };
    }
    case 'user_agent':
      if (value.length < USER_AGENT_RULE_MIN || value.length > USER_AGENT_RULE_MAX) {
        return {
          ok: false,
          message: `must be ${USER_AGENT_RULE_MIN} to ${USER_AGENT_RULE_MAX} characters of text found in the header`,
        };
      }
      if (CONTROL.test(value)) return { ok: false, message: 'must not contain control characters' };
      return { ok: true, value };
    case 'api_key':
      return KEY_ID.test(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be the id of an API key (key_…)' };
    case 'fingerprint':
      return value.length > 0 && value.length <= 256 && !CONTROL.test(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be a request fingerprint' };
  }
}

/**
 * Checks a rule an administrator creates, collecting every problem so one answer names every bad
 * field: the value per type, `fingerprint` refused (those rules come from automatic bans only), and an
 * expiry that is not in the future.
 */
export async function checkManualRule(
  input: RuleInput,
  now: Date,
  apiKeyExists: (id: string) => Promise<boolean>,
): Promise<CheckedRule> {
  const problems: FieldError[] = [];
  let value = input.value;
  if (input.type === 'fingerprint') {
    problems.push({ field: 'type', message: 'fingerprint rules are created by automatic bans only' });
  } else {
    const checked = checkRuleValue(input.type, input.value);
    if (!checked.ok) problems.push({ field: 'value', message: checked.message });
    else if (input.type === 'api_key' && !(await apiKeyExists(checked.value)))
      problems.push({ field: 'value', message: 'is not an existing API key' });
    else value = checked.value;
  }
  let expiresAt: string | null = null;
  if (input.expires_at) {
    const at = new Date(input.expires_at);
    if (at.getTime() <= now.getTime())
      problems.push({ field: 'expires_at', message: 'must be in the future' });
    else expiresAt = at.toISOString();
  }
  if (problems.length > 0) throw validationError(problems);
  return { type: input.type, value, reason: input.reason?.trim() || null, expires_at: expiresAt };
}
