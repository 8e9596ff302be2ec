import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { readLog } from '../helpers/request-logs.js';

describe.each(DIALECTS)('log injection on %s', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  it('a CR/LF or ANSI escape in a user agent cannot forge an entry or a line', async () => {
    const forged = '{"id":"log_forged","status":200}';
    const agents = [
      `curl/8\r\n${forged}`,
      `curl/8\n${forged}`,
      'curl/8\u001b[2K\u001b[1Gadmin ok',
      'x\u2028y',
    ];
    for (const ua of agents) {
      await t.request({ method: 'GET', url: '/api/v1/products', headers: { 'user-agent': ua } });
      await t.request({
        method: 'POST',
        url: '/api/v1/products',
        headers: { 'user-agent': ua, 'content-type': 'application/json' },
        payload: '{bad json',
      });
    }
    const calls = (await readLog(t, 'api-calls')).filter((e) => e.endpoint === '/api/v1/products');
    const blocked = await readLog(t, 'blocked');
    expect(calls).toHaveLength(agents.length);
    expect(blocked).toHaveLength(agents.length);
    for (const entry of [...calls, ...blocked]) {
      // eslint-disable-next-line no-control-regex
      expect(entry.user_agent).not.toMatch(/[\u0000-\u001f\u007f\u2028]/);
    }
    expect(calls.map((e) => e.user_agent)).toContain(`curl/8\\u000d\\u000a${forged}`);
    for (const log of ['api-calls', 'blocked']) {
      const exported = (await t.request({ method: 'GET', url: `/api/v1/logs/${log}?format=ndjson` })).body;
      const lines = exported.trimEnd().split('\n');
      for (const line of lines) expect(JSON.parse(line).id).toMatch(/^log_[0-9a-z]{26}$/);
      expect(lines.some((line) => line.startsWith('{"id":"log_forged"'))).toBe(false);
    }
  });
});
