import appsec from '@datadog/native-appsec';
import { locationOf, type InputValue } from './attack-inputs.js';
import {
  ATTACK_CATEGORIES,
  buildRuleSet,
  PATH_ADDRESS,
  TEXT_ADDRESS,
  VALUE_SEPARATOR,
  VALUES_ADDRESS,
  type AttackCategory,
} from './attack-rules.js';

/**
 * Runs libddwaf over a request's normalised inputs. libddwaf reads at most 4096 bytes of a string and 256
 * items of a list, silently, and its cost grows with rules × items. So:
 * - a value longer than a window is cut into overlapping windows (1360 UTF-16 units stay under 4096 UTF-8
 *   bytes; a payload shorter than the overlap is always whole in some window);
 * - identical windows are judged once (a megabyte of `'` is one window repeated);
 * - libinjection gets one item per window; the regular expressions get the windows joined by NUL into
 *   chunks of up to 4000 bytes, so a body of ten thousand short values is a few hundred items;
 * - lists go in batches of 256.
 */

const WINDOW = 1360;
const OVERLAP = 256;
const CHUNK_BYTES = 4000;
const BATCH = 256;
/** Per batch, in microseconds: far above what a batch takes, so a verdict is never cut short. */
const RUN_TIMEOUT_US = 5_000_000;

export interface AttackFinding {
  category: AttackCategory;
  /** The engine's rule that fired (`sqli-libinjection`, `traversal-dot-dot`, …): for the tests and tuning. */
  rule: string;
  location: string;
}

export interface AttackEngine {
  /**
   * The first finding, in input order (for one input: SQL injection, XSS, traversal, command injection),
   * over text inputs and path forms (which only the traversal rules read).
   */
  find(text: readonly InputValue[], path: readonly InputValue[]): AttackFinding | null;
  dispose(): void;
}

interface Window {
  text: string;
  /** Position of the first input with this text: findings name the earliest location. */
  order: number;
  input: InputValue;
}

type Address = typeof VALUES_ADDRESS | typeof TEXT_ADDRESS | typeof PATH_ADDRESS;

/** Cuts inputs into windows, dropping repeats of a window already seen. */
function windowsOf(
  inputs: readonly InputValue[],
  seen: Set<string>,
  out: Window[],
  order: { next: number },
): void {
  for (const input of inputs) {
    const { text } = input;
    if (text === '') continue;
    const push = (slice: string) => {
      if (seen.has(slice)) return;
      seen.add(slice);
      out.push({ text: slice, order: order.next++, input });
    };
    if (text.length <= WINDOW) {
      push(text);
      continue;
    }
    for (let start = 0; ; start += WINDOW - OVERLAP) {
      push(text.slice(start, start + WINDOW));
      if (start + WINDOW >= text.length) break;
    }
  }
}

/** Windows joined by NUL into chunks of at most CHUNK_BYTES (UTF-8), with the windows of each chunk. */
function chunksOf(windows: readonly Window[]): Array<{ text: string; members: Window[] }> {
  const chunks: Array<{ text: string; members: Window[] }> = [];
  let members: Window[] = [];
  let bytes = 0;
  for (const window of windows) {
    const size = Buffer.byteLength(window.text) + 1;
    if (members.length > 0 && bytes + size > CHUNK_BYTES) {
      chunks.push({ text: members.map((m) => m.text).join(VALUE_SEPARATOR), members });
      members = [];
      bytes = 0;
    }
    members.push(window);
    bytes += size;
  }
  if (members.length > 0) chunks.push({ text: members.map((m) => m.text).join(VALUE_SEPARATOR), members });
  return chunks;
}

interface WafEvent {
  rule: { id: string; tags: { type: string } };
  rule_matches: Array<{ parameters: Array<{ address: string; key_path: Array<string | number> }> }>;
}

interface Item {
  address: Address;
  text: string;
  members: Window[];
}

function isCategory(value: string): value is AttackCategory {
  return (ATTACK_CATEGORIES as readonly string[]).includes(value);
}

export function createAttackEngine(): AttackEngine {
  const waf = new appsec.DDWAF(buildRuleSet(), 'keymanager/attack-rules');
  const failed = (waf.diagnostics.rules as { failed?: string[] } | undefined)?.failed ?? [];
  if (failed.length > 0) throw new Error(`attack rules rejected by libddwaf: ${failed.join(', ')}`);

  /** Runs one batch; returns the earliest (window order, then category) match with its item. */
  function run(items: readonly Item[]): { item: Item; category: AttackCategory; rule: string } | null {
    const payload: Record<Address, string[]> = {
      [VALUES_ADDRESS]: [],
      [TEXT_ADDRESS]: [],
      [PATH_ADDRESS]: [],
    };
    const byAddress: Record<Address, Item[]> = {
      [VALUES_ADDRESS]: [],
      [TEXT_ADDRESS]: [],
      [PATH_ADDRESS]: [],
    };
    for (const item of items) {
      payload[item.address].push(item.text);
      byAddress[item.address].push(item);
    }
    const context = waf.createContext();
    try {
      const result = context.run({ ephemeral: payload }, RUN_TIMEOUT_US);
      let best: { rank: number; item: Item; category: AttackCategory; rule: string } | null = null;
      for (const event of (result.events ?? []) as WafEvent[]) {
        const category = event.rule.tags.type;
        if (!isCategory(category)) continue;
        for (const match of event.rule_matches) {
          for (const parameter of match.parameters) {
            const item = byAddress[parameter.address as Address]?.[Number(parameter.key_path[0])];
            if (item === undefined) continue;
            const rank =
              item.members[0]!.order * ATTACK_CATEGORIES.length + ATTACK_CATEGORIES.indexOf(category);
            if (best === null || rank < best.rank) best = { rank, item, category, rule: event.rule.id };
          }
        }
      }
      return best;
    } finally {
      context.dispose();
    }
  }

  function runAll(items: readonly Item[]): { item: Item; category: AttackCategory; rule: string } | null {
    for (let start = 0; start < items.length; start += BATCH) {
      const found = run(items.slice(start, start + BATCH));
      if (found !== null) return found;
    }
    return null;
  }

  return {
    find(textInputs, pathInputs) {
      const order = { next: 0 };
      const texts: Window[] = [];
      const paths: Window[] = [];
      windowsOf(textInputs, new Set(), texts, order);
      windowsOf(pathInputs, new Set(), paths, order);
      const items: Item[] = [
        ...texts.map((w): Item => ({ address: VALUES_ADDRESS, text: w.text, members: [w] })),
        ...chunksOf(texts).map((c): Item => ({ address: TEXT_ADDRESS, ...c })),
        ...chunksOf(paths).map((c): Item => ({ address: PATH_ADDRESS, ...c })),
      ];
      const found = runAll(items);
      if (found === null) return null;
      let hit = found;
      if (found.item.members.length > 1) {
        // A chunk matched: judge its windows one by one (rare: only on a hit) to name the location.
        const members = found.item.members.map((m): Item => ({
          address: found.item.address,
          text: m.text,
          members: [m],
        }));
        hit = runAll(members) ?? found;
      }
      return {
        category: hit.category,
        rule: hit.rule,
        location: locationOf(hit.item.members[0]!.input.location),
      };
    },
    dispose() {
      waf.dispose();
    },
  };
}
