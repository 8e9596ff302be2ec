import appsec from '@datadog/native-appsec';
import { batchesOf, type Batch, type Chunks } from './attack-batches.js';
import { locationOf, type InputValue } from './attack-inputs.js';
import {
  buildRuleSet,
  CATEGORY_TAG,
  PATH_ADDRESS,
  TEXT_ADDRESS,
  VALUE_PATH_ADDRESS,
  VALUE_TEXT_ADDRESS,
  VALUES_ADDRESS,
} from './attack-rule-set.js';
import { ATTACK_CATEGORIES, type AttackCategory } from './attack-rules.js';

/**
 * Runs libddwaf over a request's normalised inputs, batch after batch (attack-batches.ts), and stops at
 * the first batch with a finding. In one run: libinjection over single windows, the screens over chunks.
 * When a screen matches a chunk, the chunk's windows are judged one by one by the separate rules, which
 * names the input and the rule (attack-rule-set.ts).
 */

/** libddwaf reads at most 256 items of a list and 20 levels of nesting: longer lists go as lists of lists. */
const LIST_ITEMS = 256;
/** Per run, in microseconds: far above what a run takes, so a verdict is never cut short. */
const RUN_TIMEOUT_US = 5_000_000;

export interface AttackFinding {
  category: AttackCategory;
  /** The engine's rule that fired (`sqli-libinjection`, `traversal-dot-dot`, …): for the tests and tuning. */
  rule: string;
  location: string;
}

export interface AttackEngine {
  /**
   * The first finding, in input order (for one input: SQL injection, XSS, traversal, command injection).
   * Inputs marked `pathOnly` are read only as paths, by the traversal rules.
   */
  find(inputs: Iterable<InputValue>): AttackFinding | null;
  dispose(): void;
}

interface WafEvent {
  rule: { id: string; tags: Record<string, string | undefined> };
  rule_matches: Array<{ parameters: Array<{ address: string; key_path: Array<string | number> }> }>;
}

/** A finding inside a batch: the input it came from (in the batch's sources), ranked by input order, then category. */
interface Hit {
  owner: number;
  category: AttackCategory;
  rule: string;
}

const rankOf = (hit: Hit) => hit.owner * ATTACK_CATEGORIES.length + ATTACK_CATEGORIES.indexOf(hit.category);

function earlier(a: Hit | null, b: Hit | null): Hit | null {
  if (a === null) return b;
  if (b === null) return a;
  return rankOf(b) < rankOf(a) ? b : a;
}

function nested(items: string[]): string[] | string[][] {
  if (items.length <= LIST_ITEMS) return items;
  const lists: string[][] = [];
  for (let start = 0; start < items.length; start += LIST_ITEMS)
    lists.push(items.slice(start, start + LIST_ITEMS));
  return lists;
}

/** Position in the flat list of the item that `nested` placed at `keyPath`. */
function indexOf(keyPath: Array<string | number>): number {
  return keyPath.length > 1
    ? Number(keyPath[0]) * LIST_ITEMS + Number(keyPath[1])
    : Number(keyPath[0] ?? Number.NaN);
}

function isCategory(value: string): value is AttackCategory {
  return (ATTACK_CATEGORIES as readonly string[]).includes(value);
}

export function createAttackEngine(): AttackEngine {
  const waf = new appsec.DDWAF(buildRuleSet(), 'keymanager/attack-rules');
  const failed = (waf.diagnostics.rules as { failed?: string[] } | undefined)?.failed ?? [];
  if (failed.length > 0) throw new Error(`attack rules rejected by libddwaf: ${failed.join(', ')}`);

  /** One run; `visit` sees every match as (address, index in that address's flat list, category, rule). */
  function run(
    payload: Record<string, string[]>,
    visit: (address: string, index: number, category: AttackCategory, rule: string) => void,
  ): void {
    const ephemeral: Record<string, string[] | string[][]> = {};
    for (const [address, items] of Object.entries(payload))
      if (items.length > 0) ephemeral[address] = nested(items);
    const context = waf.createContext();
    try {
      const result = context.run({ ephemeral }, RUN_TIMEOUT_US);
      for (const event of (result.events ?? []) as WafEvent[]) {
        const category = event.rule.tags[CATEGORY_TAG];
        if (category === undefined || !isCategory(category)) continue;
        for (const match of event.rule_matches)
          for (const { address, key_path } of match.parameters)
            visit(address, indexOf(key_path), category, event.rule.id);
      }
    } finally {
      context.dispose();
    }
  }

  /** The earliest window of chunk `index` that a separate rule matches. */
  function resolveChunk(chunks: Chunks, index: number, address: string): Hit | null {
    const from = chunks.starts[index]!;
    const to = chunks.starts[index + 1] ?? chunks.windows.length;
    let best: Hit | null = null;
    run({ [address]: chunks.windows.slice(from, to).map(chunks.form) }, (_, i, category, rule) => {
      const owner = chunks.owners[from + i];
      if (owner !== undefined) best = earlier(best, { owner, category, rule });
    });
    return best;
  }

  function judge(batch: Batch): Hit | null {
    let best: Hit | null = null;
    // Each screen reports the first chunk it matches; the earliest of those holds the earliest finding.
    const firstChunk: Record<string, { index: number; hit: Hit } | undefined> = {};
    run(
      { [VALUES_ADDRESS]: batch.values, [TEXT_ADDRESS]: batch.text.texts, [PATH_ADDRESS]: batch.path.texts },
      (address, index, category, rule) => {
        if (address === VALUES_ADDRESS) {
          const owner = batch.valueOwners[index];
          if (owner !== undefined) best = earlier(best, { owner, category, rule });
          return;
        }
        const chunks = address === PATH_ADDRESS ? batch.path : batch.text;
        const owner = chunks.owners[chunks.starts[index] ?? -1];
        const seen = firstChunk[address];
        if (owner !== undefined && (seen === undefined || index < seen.index))
          firstChunk[address] = { index, hit: { owner, category, rule } };
      },
    );
    for (const [address, chunks, windowAddress] of [
      [TEXT_ADDRESS, batch.text, VALUE_TEXT_ADDRESS],
      [PATH_ADDRESS, batch.path, VALUE_PATH_ADDRESS],
    ] as const) {
      const first = firstChunk[address];
      // The chunk's first window bounds what it can hold: resolve it only when it could come earlier.
      if (first === undefined || (best !== null && rankOf(best) < first.hit.owner * ATTACK_CATEGORIES.length))
        continue;
      // A screen and its separate rules agree by construction; the screen's own hit is only a fallback.
      best = earlier(best, resolveChunk(chunks, first.index, windowAddress) ?? first.hit);
    }
    return best;
  }

  return {
    find(inputs) {
      for (const batch of batchesOf(inputs)) {
        const hit = judge(batch);
        if (hit !== null)
          return {
            category: hit.category,
            rule: hit.rule,
            location: locationOf(batch.sources[hit.owner]!),
          };
      }
      return null;
    },
    dispose() {
      waf.dispose();
    },
  };
}
