import type { BlockReason } from '../logging/log-entry.js';
import { createAttackEngine, type AttackEngine, type AttackFinding } from './attack-engine.js';
import { bodyInputs, collectRequestLineInputs, holdsOnlyPlainTokens } from './attack-inputs.js';
import type { AttackCategory } from './attack-rules.js';
import type { AttackDetector, InspectedRequestLine, RuleHit } from './security-types.js';

export {
  decodeUrlOnce,
  decodeUrlRepeatedly,
  foldLookAlikes,
  normaliseInput,
  normalisePathLike,
  parseQueryString,
} from './attack-normalise.js';
export { holdsOnlyPlainTokens, isInspectedHeader } from './attack-inputs.js';
export { isPlainToken } from './attack-batches.js';
export type { AttackCategory } from './attack-rules.js';
export { createAttackEngine, type AttackEngine, type AttackFinding } from './attack-engine.js';

/**
 * Attack patterns in request input, judged by libddwaf (Datadog's WAF engine, through its Node binding):
 * libinjection for SQL injection and XSS, RE2 regular expressions for the rest (attack-rules.ts). This
 * module collects every input of the request with its location (attack-inputs.ts), normalised
 * (attack-normalise.ts), and hands them to the engine (attack-engine.ts), which judges them in batches
 * (attack-batches.ts) against the rule set (attack-rule-set.ts). See docs/adr/0004.
 */

const HITS: Record<AttackCategory, { reason: BlockReason; rule_id: string }> = {
  sqli: { reason: 'SQL_INJECTION_ATTEMPT', rule_id: 'ATTACK_SQLI' },
  xss: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_XSS' },
  path_traversal: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_PATH_TRAVERSAL' },
  command_injection: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_COMMAND_INJECTION' },
};

function toHit(finding: AttackFinding | null): RuleHit | null {
  if (finding === null) return null;
  return { ...HITS[finding.category], matched_location: finding.location };
}

/** The detector the security layer calls, before (request line) and after (body) body parsing. */
export function createAttackDetector(engine: AttackEngine = createAttackEngine()): AttackDetector & {
  findInRequestLine(request: InspectedRequestLine): AttackFinding | null;
  findInBody(body: unknown): AttackFinding | null;
  /** Frees the native engine (at shutdown). */
  dispose(): void;
} {
  function findInRequestLine(request: InspectedRequestLine): AttackFinding | null {
    return engine.find(collectRequestLineInputs(request.path, request.query, request.headers));
  }
  function findInBody(body: unknown): AttackFinding | null {
    if (holdsOnlyPlainTokens(body)) return null;
    return engine.find(bodyInputs(body));
  }
  return {
    findInRequestLine,
    findInBody,
    inspectRequestLine: (request) => toHit(findInRequestLine(request)),
    inspectBody: (body) => toHit(findInBody(body)),
    dispose: () => engine.dispose(),
  };
}
