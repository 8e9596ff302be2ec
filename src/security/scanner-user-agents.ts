import { readFileSync } from 'node:fs';

/**
 * Known scanners and attack tools by their User-Agent. The list lives in scanner-user-agents.txt beside
 * this module (copied next to the compiled module by `npm run build`) so it can be kept up to date
 * without touching code.
 */

export interface ScannerPattern {
  /** The rule id reported when the pattern matches: `SCANNER_UA_<NAME>`. */
  rule_id: string;
  /** Lower-case text searched for as a whole word. */
  pattern: string;
}

/** Parses the list's text: `name` or `name  pattern` per line, `#` starts a comment. */
export function parseScannerList(text: string): ScannerPattern[] {
  const patterns: ScannerPattern[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const space = line.search(/\s/);
    const name = space === -1 ? line : line.slice(0, space);
    const pattern = space === -1 ? line : line.slice(space).trim();
    patterns.push({
      rule_id: `SCANNER_UA_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
      pattern: pattern.toLowerCase(),
    });
  }
  return patterns;
}

const PATTERNS = parseScannerList(
  readFileSync(new URL('./scanner-user-agents.txt', import.meta.url), 'utf8'),
);

/** Letters, digits and anything beyond ASCII glue to a word; NaN (outside the text) does not. */
function isWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || code > 0x7f;
}

/** True when `pattern` occurs in `text` (both lower case) with no letter or digit glued to either end. */
function containsWord(text: string, pattern: string): boolean {
  const checkBefore = isWordChar(pattern.charCodeAt(0));
  const checkAfter = isWordChar(pattern.charCodeAt(pattern.length - 1));
  for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) {
    if (checkBefore && isWordChar(text.charCodeAt(at - 1))) continue;
    if (checkAfter && isWordChar(text.charCodeAt(at + pattern.length))) continue;
    return true;
  }
  return false;
}

/**
 * The rule id of the first scanner whose pattern appears in the User-Agent (`SCANNER_UA_SQLMAP`), or
 * null. Case-insensitive, anywhere in the header, whole words only.
 */
export function matchScannerUserAgent(
  userAgent: string,
  patterns: readonly ScannerPattern[] = PATTERNS,
): string | null {
  const text = userAgent.toLowerCase();
  for (const { rule_id, pattern } of patterns) {
    if (containsWord(text, pattern)) return rule_id;
  }
  return null;
}
