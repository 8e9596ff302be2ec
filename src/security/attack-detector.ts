import type { BlockReason } from '../logging/log-entry.js';
import { createAttackEngine, type AttackEngine, type AttackFinding } from './attack-engine.js';
import { collectBodyInputs, collectRequestLineInputs, type InputValue } from './attack-inputs.js';
import { normalisePathLike } from './attack-normalise.js';
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
export { isInspectedHeader } from './attack-inputs.js';
export type { AttackCategory } from './attack-rules.js';
export { createAttackEngine, type AttackEngine, type AttackFinding } from './attack-engine.js';

/**
 * Attack patterns in request input, judged by libddwaf (Datadog's WAF engine, through its Node binding):
 * libinjection for SQL injection and XSS, RE2 regular expressions for the rest (attack-rules.ts). This
 * module feeds it: it collects every input of the request with its location, normalises it, and cuts it
 * to the engine's limits.
 */

const HITS: Record<AttackCategory, { reason: BlockReason; rule_id: string }> = {
  sqli: { reason: 'SQL_INJECTION_ATTEMPT', rule_id: 'ATTACK_SQLI' },
  xss: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_XSS' },
  path_traversal: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_PATH_TRAVERSAL' },
  command_injection: { reason: 'ABUSE_PATTERN_DETECTED', rule_id: 'ATTACK_COMMAND_INJECTION' },
};

/**
 * Identifiers, keys, hashes, dates, versions, e-mail addresses: one token of letters, digits and `_ . : @ +
 * -`, without `..`, `--` or `@@`. No rule can match such a value (they all need a space, a quote, a bracket, a
 * slash or a doubled dot or dash), so it is not sent to the engine: most of a licence request is made of
 * them. Checked with a loop, not a regular expression, to stay linear on any input.
 */
export function isPlainToken(text: string): boolean {
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const plain =
      (c >= 0x30 && c <= 0x3a) || // 0-9 :
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x5f || // _
      c === 0x2b || // +
      ((c === 0x2e || c === 0x2d || c === 0x40) && c !== previous); // . - @, but not .. -- @@
    if (!plain) return false;
    previous = c;
  }
  return true;
}

/**
 * The engine's inputs: the text values that could hold an attack, and their path forms where reading them
 * as a path changes them (backslashes, `0x2f`), for the traversal rules.
 */
function judge(
  engine: AttackEngine,
  inputs: readonly InputValue[],
  paths: readonly InputValue[] = [],
): AttackFinding | null {
  const text = inputs.filter((input) => !isPlainToken(input.text));
  const pathForms = [...paths];
  for (const input of text) {
    const pathForm = normalisePathLike(input.text);
    if (pathForm !== input.text) pathForms.push({ text: pathForm, location: input.location });
  }
  return engine.find(text, pathForms);
}

function toHit(finding: AttackFinding | null): RuleHit | null {
  if (finding === null) return null;
  return { ...HITS[finding.category], matched_location: finding.location };
}

/** The detector the security layer calls, before (request line) and after (body) body parsing. */
export function createAttackDetector(engine: AttackEngine = createAttackEngine()): AttackDetector & {
  findInRequestLine(request: InspectedRequestLine): AttackFinding | null;
  findInBody(body: unknown): AttackFinding | null;
} {
  function findInRequestLine(request: InspectedRequestLine): AttackFinding | null {
    const { text, path } = collectRequestLineInputs(request.path, request.query, request.headers);
    return judge(
      engine,
      text,
      path.map((p) => ({ text: normalisePathLike(p.text), location: p.location })),
    );
  }
  function findInBody(body: unknown): AttackFinding | null {
    return judge(engine, collectBodyInputs(body));
  }
  return {
    findInRequestLine,
    findInBody,
    inspectRequestLine: (request) => toHit(findInRequestLine(request)),
    inspectBody: (body) => toHit(findInBody(body)),
  };
}
