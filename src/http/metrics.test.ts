import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../../test/helpers/app.js';
import { DIALECTS } from '../../test/helpers/database.js';

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined when the series does not exist. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe.each(DIALECTS)('/metrics on %s', (dialect) => {
  let t: TestContext;
  const scrape = async () => {
    const response = await t.request({ method: 'GET', url: '/metrics', key: null });
    expect(response.statusCode).toBe(200);
    return response;
  };
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('is Prometheus text, served without credentials', async () => {
    const response = await scrape();
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE keymanager_http_requests_total counter');
    expect(response.body).toContain('# TYPE keymanager_http_request_duration_seconds histogram');
    expect(response.body).toMatch(/^keymanager_process_cpu_seconds_total /m);
  });

  it('counts requests by route pattern, method and status', async () => {
    const labels = { route: '/healthz', method: 'GET', status: '200' };
    const before = sample((await scrape()).body, 'keymanager_http_requests_total', labels) ?? 0;
    await t.request({ method: 'GET', url: '/healthz', key: null });
    await t.request({ method: 'GET', url: '/healthz', key: null });
    const after = (await scrape()).body;
    expect(sample(after, 'keymanager_http_requests_total', labels)).toBe(before + 2);
    expect(
      sample(after, 'keymanager_http_request_duration_seconds_count', { route: '/healthz', method: 'GET' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('puts every unmatched URL under one "unmatched" label, never the raw path', async () => {
    const labels = { route: 'unmatched', method: 'GET', status: '404' };
    const before = sample((await scrape()).body, 'keymanager_http_requests_total', labels) ?? 0;
    await t.request({ method: 'GET', url: '/probe-a1b2c3/wp-login.php', key: null });
    await t.request({ method: 'GET', url: '/api/v1/licenses/ABCD-EFGH-JKMN-PQRS/nothing', key: null });
    const body = (await scrape()).body;
    expect(sample(body, 'keymanager_http_requests_total', labels)).toBe(before + 2);
    expect(body).not.toContain('probe-a1b2c3');
    expect(body).not.toContain('ABCD-EFGH-JKMN-PQRS');
  });
});
