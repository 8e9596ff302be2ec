import appsec from '@datadog/native-appsec';
import type { BlockReason } from '../logging/log-entry.js';
import { normalisePathLike } from './attack-normalise.js';
import { collectBodyInputs, collectRequestLineInputs, locationOf, type InputValue } from './attack-inputs.js';
import {
  ATTACK_CATEGORIES,
  buildRuleSet,
  PATH_ADDRESS,
  TEXT_ADDRESS,
  type AttackCategory,
} from './attack-rules.js';
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
 * libddwaf reads at most 4096 bytes of a string and 256 items of a list, silently. Longer values are cut
 * into overlapping windows (1360 UTF-16 units stay under 4096 UTF-8 bytes; a payload shorter than the
 * overlap is always whole in some window), and the windows are sent in batches of 256.
 */
const WINDOW = 1360;
const OVERLAP = 256;
const BATCH = 256;
/** Per batch, in microseconds: far above what a batch takes, so a verdict is never cut short. */
const RUN_TIMEOUT_US = 5_000_000;

interface Window {
  address: typeof TEXT_ADDRESS | typeof PATH_ADDRESS;
  text: string;
  input: InputValue;
}

function windowsOf(input: InputValue, address: Window['address'], out: Window[]): void {
  const { text } = input;
  if (text.length <= WINDOW) {
    out.push({ address, text, input });
    return;
  }
  for (let start = 0; start < text.length; start += WINDOW - OVERLAP) {
    out.push({ address, text: text.slice(start, start + WINDOW), input });
    if (start + WINDOW >= text.length) break;
  }
}

interface WafEvent {
  rule: { id: string; tags: { type: string } };
  rule_matches: Array<{ parameters: Array<{ address: string; key_path: Array<string | number> }> }>;
}

export interface AttackFinding {
  category: AttackCategory;
  /** The engine's rule that fired (`sqli-libinjection`, `traversal-dot-dot`, …): for tests and tuning. */
  rule: string;
  location: string;
}

function isCategory(value: string): value is AttackCategory {
  return (ATTACK_CATEGORIES as readonly string[]).includes(value);
}

export interface AttackEngine {
  /** The first finding (in input order; SQL injection before XSS before traversal before commands). */
  find(text: InputValue[], path: InputValue[]): AttackFinding | null;
  dispose(): void;
}

export function createAttackEngine(): AttackEngine {
  const waf = new appsec.DDWAF(buildRuleSet(), 'keymanager/attack-rules');
  const failed = (waf.diagnostics.rules as { failed?: string[] } | undefined)?.failed ?? [];
  if (failed.length > 0) throw new Error(`attack rules rejected by libddwaf: ${failed.join(', ')}`);

  function runBatch(batch: Window[]): AttackFinding | null {
    const text: string[] = [];
    const path: string[] = [];
    const owners: Record<string, Window[]> = { [TEXT_ADDRESS]: [], [PATH_ADDRESS]: [] };
    for (const window of batch) {
      (window.address === TEXT_ADDRESS ? text : path).push(window.text);
      owners[window.address]!.push(window);
    }
    const context = waf.createContext();
    try {
      const result = context.run(
        { ephemeral: { [TEXT_ADDRESS]: text, [PATH_ADDRESS]: path } },
        RUN_TIMEOUT_US,
      );
      let best: { order: number; finding: AttackFinding } | null = null;
      for (const event of (result.events ?? []) as WafEvent[]) {
        const category = event.rule.tags.type;
        if (!isCategory(category)) continue;
        for (const match of event.rule_matches) {
          for (const parameter of match.parameters) {
            const window = owners[parameter.address]?.[Number(parameter.key_path[0])];
            if (window === undefined) continue;
            const order =
              batch.indexOf(window) * ATTACK_CATEGORIES.length + ATTACK_CATEGORIES.indexOf(category);
            if (best === null || order < best.order) {
              best = {
                order,
                finding: { category, rule: event.rule.id, location: locationOf(window.input.location) },
              };
            }
          }
        }
      }
      return best?.finding ?? null;
    } finally {
      context.dispose();
    }
  }

  return {
    find(textInputs, pathInputs) {
      const windows: Window[] = [];
      for (const input of textInputs) if (input.text !== '') windowsOf(input, TEXT_ADDRESS, windows);
      for (const input of pathInputs) if (input.text !== '') windowsOf(input, PATH_ADDRESS, windows);
      for (let start = 0; start < windows.length; start += BATCH) {
        const finding = runBatch(windows.slice(start, start + BATCH));
        if (finding !== null) return finding;
      }
      return null;
    },
    dispose() {
      waf.dispose();
    },
  };
}

function withPathForms(inputs: InputValue[]): InputValue[] {
  const forms: InputValue[] = [];
  for (const input of inputs) {
    const pathForm = normalisePathLike(input.text);
    if (pathForm !== input.text) forms.push({ text: pathForm, location: input.location });
  }
  return forms;
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
    return engine.find(text, [
      ...path.map((p) => ({ text: normalisePathLike(p.text), location: p.location })),
      ...withPathForms(text),
    ]);
  }
  function findInBody(body: unknown): AttackFinding | null {
    const text = collectBodyInputs(body);
    return engine.find(text, withPathForms(text));
  }
  return {
    findInRequestLine,
    findInBody,
    inspectRequestLine: (request) => toHit(findInRequestLine(request)),
    inspectBody: (body) => toHit(findInBody(body)),
  };
}
