import { REGEX_RULES, type AttackCategory, type RegexRule } from './attack-rules.js';

/**
 * The rule set in libddwaf's format (rules version 2.2), and the addresses the engine fills. Each rule's
 * category is its tag `attack_type`.
 *
 * libinjection judges one value at a time (`km.values`). The regular expressions run twice over:
 * - as screens over chunks (`km.text`, and `km.path` for path forms): values framed and joined by NUL into
 *   strings of up to 4096 bytes, so a body of ten thousand short values is a few hundred items. Each screen
 *   is several patterns joined into one alternation: RE2 reads a chunk once per screen rather
 *   than once per rule, and the cost of a request that matches nothing is per screen and per byte;
 * - one by one over the values of a chunk that a screen matched (`km.value.text`, `km.value.path`), to name
 *   the value and the rule. That happens only on a finding.
 */
export const VALUES_ADDRESS = 'km.values';
export const TEXT_ADDRESS = 'km.text';
export const PATH_ADDRESS = 'km.path';
export const VALUE_TEXT_ADDRESS = 'km.value.text';
export const VALUE_PATH_ADDRESS = 'km.value.path';
export const CATEGORY_TAG = 'attack_type';
/** Frames every value of a chunk, before and after: it never survives normalisation. */
export const VALUE_SEPARATOR = '\u0000';

/**
 * The screens. A group is as large as it can be while RE2 still runs it as a DFA: joined into one
 * alternation per category, the SQL injection and XSS patterns outgrow the DFA's memory (libddwaf gives
 * each expression 512 KiB) and fall back to RE2's NFA, ten to a hundred times slower on a chunk that does
 * not match. Each group was measured at the cost of a single rule (about 2 ms per MB) on chunks of random
 * punctuation, random SQL and markup tokens, random printable ASCII and prose, none of which matched any
 * rule; the other pairings tried cost from 5 to 260 times as much. `bench/detector.bench.mjs` judges such a
 * body: a change of the patterns that makes a screen outgrow its DFA shows there.
 */
export const SCREENS: ReadonlyArray<{ id: string; rules: readonly string[] }> = [
  {
    id: 'screen-sqli-appended',
    rules: [
      'sqli-appended-tautology',
      'sqli-appended-boolean',
      'sqli-quote-breakout',
      'sqli-quote-comment',
      'sqli-punctuation-probe',
      'sqli-appended-like',
      'sqli-quoted-equal',
      'sqli-stacked-query',
    ],
  },
  {
    id: 'screen-sqli-statements',
    rules: [
      'sqli-quote-operator',
      'sqli-inline-tautology',
      'sqli-union-select',
      'sqli-select-expression',
      'sqli-ddl',
      'sqli-order-by',
    ],
  },
  // XSS's script calls share a DFA with SQL's functions without outgrowing it; any other pairing did.
  {
    id: 'screen-functions',
    rules: ['sqli-functions', 'sqli-catalogue', 'sqli-concatenation', 'xss-script-call'],
  },
  {
    id: 'screen-xss-markup',
    rules: [
      'xss-dangerous-tag',
      'xss-html-element',
      'xss-tag-with-attribute',
      'xss-tag-attribute',
      'xss-markup-declaration',
      'xss-script-url',
      'xss-breakout',
    ],
  },
  { id: 'screen-xss-handlers', rules: ['xss-encoded-angle', 'xss-event-handler', 'xss-css-expression'] },
  {
    id: 'screen-traversal',
    rules: ['traversal-dot-dot', 'traversal-dot-slash', 'traversal-system-path', 'traversal-sensitive-file'],
  },
  {
    id: 'screen-command-injection',
    rules: ['cmdi-separator-command', 'cmdi-separator-short-command', 'cmdi-code', 'cmdi-shell-invocation'],
  },
];

/**
 * Rewrites an RE2 pattern written for a single value so that it behaves the same on a chunk, where every
 * value is framed by NUL: `^` and `$` become that NUL, and negated classes (`[^>]*`) never step over it.
 * A pattern anchored at a value's start then begins with a literal byte, which RE2 looks for with memchr.
 */
export function confineToValue(regex: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\') {
      out += c + (regex[i + 1] ?? '');
      i += 1;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      if (regex[i + 1] === '^') {
        out += '[^\\x00';
        i += 1;
      } else {
        out += c;
      }
      if (regex[i + 1] === ']') {
        out += ']';
        i += 1;
      }
    } else if (c === '^' || c === '$') {
      out += '\\x00';
    } else {
      out += c;
    }
  }
  return out;
}

/** The screens with their rules, checked: every pattern in exactly one screen, one category per screen. */
export function screenGroups(): Array<{
  id: string;
  category: AttackCategory;
  path: boolean;
  rules: RegexRule[];
}> {
  const byId = new Map(REGEX_RULES.map((rule) => [rule.id, rule]));
  const placed = new Set<string>();
  const groups = SCREENS.map(({ id, rules: ids }) => {
    const rules = ids.map((ruleId) => {
      const rule = byId.get(ruleId);
      if (rule === undefined || placed.has(ruleId))
        throw new Error(`screen ${id}: ${ruleId} unknown or twice`);
      placed.add(ruleId);
      return rule;
    });
    const category = rules[0]!.category;
    const path = rules[0]!.path === true;
    if (rules.some((rule) => (rule.path === true) !== path))
      throw new Error(`screen ${id} mixes path patterns with others`);
    return { id, category, path, rules };
  });
  const missing = REGEX_RULES.filter((rule) => !placed.has(rule.id)).map((rule) => rule.id);
  if (missing.length > 0) throw new Error(`patterns in no screen: ${missing.join(', ')}`);
  return groups;
}

export function buildRuleSet(): object {
  const values = [{ address: VALUES_ADDRESS }];
  // libddwaf reports one rule per `type` and run (the first in its order, not the earliest input), so
  // every rule is a type of its own and its category goes in a tag of ours.
  const rule = (id: string, category: AttackCategory, condition: object, transformers: string[] = []) => ({
    id,
    name: id,
    tags: { type: id, category: 'attack_attempt', [CATEGORY_TAG]: category },
    conditions: [condition],
    transformers,
  });
  const regex = (inputs: Array<{ address: string }>, pattern: string) => ({
    operator: 'match_regex',
    parameters: { inputs, regex: pattern, options: { case_sensitive: false } },
  });
  return {
    version: '2.2',
    metadata: { rules_version: '1.0.0' },
    rules: [
      rule('sqli-libinjection', 'sqli', { operator: 'is_sqli', parameters: { inputs: values } }),
      rule('xss-libinjection', 'xss', { operator: 'is_xss', parameters: { inputs: values } }),
      // `<IMG SRC=&#106;&#97;…>`: the same check once HTML entities and JS escapes are decoded.
      rule('xss-libinjection-decoded', 'xss', { operator: 'is_xss', parameters: { inputs: values } }, [
        'html_entity_decode',
        'js_decode',
      ]),
      ...screenGroups().map(({ id, category, path, rules }) =>
        rule(
          id,
          category,
          regex(
            path ? [{ address: TEXT_ADDRESS }, { address: PATH_ADDRESS }] : [{ address: TEXT_ADDRESS }],
            rules.map((r) => `(?:${confineToValue(r.regex)})`).join('|'),
          ),
        ),
      ),
      ...REGEX_RULES.map(({ id, category, regex: pattern, path }) =>
        rule(
          id,
          category,
          regex(
            path
              ? [{ address: VALUE_TEXT_ADDRESS }, { address: VALUE_PATH_ADDRESS }]
              : [{ address: VALUE_TEXT_ADDRESS }],
            pattern,
          ),
        ),
      ),
    ],
  };
}
