import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogIdGenerator } from '../../src/logging/log-entry.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { apiCallRecord, blockedRecord } from '../helpers/log-chain.js';
import type { LogEntry } from '../helpers/request-logs.js';
import { selfSignedCertificate, startRsyslog, type SyslogReceiver } from '../helpers/sink-receivers.js';
import { testDeliveryJob } from '../helpers/sink-load.js';

/** Everything that could end a field, a structured-data element, a line or a CEF field early. */
const INJECTION =
  'evil"] [fake@1 admin="yes"]\r\n<13>1 2026-01-01T00:00:00Z forged - - - -|CEF:0|x|y=z \\ end';
const HEADER =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (\S+) keymanager - (\S+) /;

/**
 * rsyslog writes a control character it received as `#` and three octal digits (its default
 * `EscapeControlCharactersOnReceive`); back to the character, so values compare with what was logged.
 */
function fromRsyslog(value: string): string {
  return value.replace(/#([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** A CEF event split by its unescaped `|`, and its extension into keys and unescaped values. */
function parseCef(event: string): { header: string[]; extension: Record<string, string> } {
  const header: string[] = [];
  let current = '';
  let i = 0;
  for (; i < event.length && header.length < 7; i++) {
    const c = event[i]!;
    if (c === '\\' && (event[i + 1] === '|' || event[i + 1] === '\\')) current += event[++i];
    else if (c === '|') {
      header.push(current);
      current = '';
    } else current += c;
  }
  const extension: Record<string, string> = {};
  const pattern = /(?:^| )([A-Za-z0-9_]+)=((?:\\.|[^\\=])*?)(?= [A-Za-z0-9_]+=|$)/g;
  for (const match of event.slice(i).matchAll(pattern)) {
    extension[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) =>
      c === 'n' ? '\n' : c === 'r' ? '\r' : c,
    );
  }
  return { header, extension };
}

describe.each(DIALECTS)('syslog sinks against rsyslog on %s', (dialect) => {
  let t: TestContext;
  let plain: SyslogReceiver;
  let secure: SyslogReceiver;
  let certDir: string;
  beforeAll(async () => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-cert-'));
    const certificate = selfSignedCertificate(certDir);
    [plain, secure] = await Promise.all([startRsyslog(), startRsyslog(certificate)]);
    t = await createTestApp(dialect, (config) => {
      config.logSinks.caFile = certificate.cert;
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([plain?.close(), secure?.close()]);
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  /** Entries whose every text field holds the injection, through the real pipeline. */
  async function hostileEntries(): Promise<{ apiCall: string; blocked: string }> {
    const nextId = createLogIdGenerator(t.clock);
    const apiCall = apiCallRecord(nextId(), 500, 1);
    if (apiCall.log === 'api') {
      apiCall.row.path = `/api/v1/licenses/validate/${INJECTION}`;
      apiCall.row.user_agent = INJECTION;
      apiCall.row.error_message = INJECTION;
    }
    const blocked = blockedRecord(nextId(), 2);
    if (blocked.log === 'blocked') {
      blocked.row.user_agent = INJECTION;
      blocked.row.matched_location = INJECTION;
      blocked.row.block_reason = 'SQL_INJECTION_ATTEMPT';
      blocked.row.threat_score = 85;
    }
    t.services.requestLogs.pipeline.append(apiCall);
    t.services.requestLogs.pipeline.append(blocked);
    await t.services.requestLogs.flush();
    return { apiCall: apiCall.row.id, blocked: blocked.row.id };
  }

  async function shownEntry(log: 'failed-api-calls' | 'blocked', id: string): Promise<LogEntry> {
    const page = (await t.request({ method: 'GET', url: `/api/v1/logs/${log}?limit=50` })).json();
    return page.data.find((entry: LogEntry) => entry.id === id);
  }

  it('delivers well-formed RFC 5424 lines over TCP whose fields survive injection attempts', async () => {
    const sink = await t.request({
      method: 'POST',
      url: '/api/v1/log-sinks',
      payload: {
        type: 'syslog',
        url: `tcp://127.0.0.1:${plain.port}`,
        logs: ['failed-api-calls', 'blocked', 'activity'],
        filters: { endpoints: ['/api/v1/licenses/validate'], action_types: ['PRODUCT_CREATED'] },
      },
    });
    expect(sink.statusCode, sink.body).toBe(201);
    // An admin action whose entry carries the injection in its resource name.
    const product = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: INJECTION },
    });
    expect(product.statusCode).toBe(201);
    const ids = await hostileEntries();
    await testDeliveryJob(t).runOnce();
    const lines = await plain.waitFor(3);
    // One line per entry: no line break inside an entry reached the file.
    expect(lines.length).toBe(3);
    for (const line of lines) expect(line).toMatch(HEADER);
    const parsed = plain.parsed();
    const byId = new Map(parsed.map((p) => [p.sd['keymanager@32473']!.id, p]));
    expect(parsed.every((p) => Object.keys(p.sd).length === 1)).toBe(true);

    const call = byId.get(ids.apiCall)!;
    expect(call.msgid).toBe('failed-api-calls');
    const callFields = call.sd['keymanager@32473']!;
    const shownCall = await shownEntry('failed-api-calls', ids.apiCall);
    expect(shownCall.user_agent).toBe(INJECTION);
    expect(fromRsyslog(callFields.user_agent!)).toBe(shownCall.user_agent);
    expect(fromRsyslog(callFields.error_message!)).toBe(INJECTION);
    expect(fromRsyslog(callFields.path!)).toBe(shownCall.path);
    expect(callFields).toMatchObject({ log: 'failed-api-calls', status: '500', method: 'POST' });

    const blockedFields = byId.get(ids.blocked)!.sd['keymanager@32473']!;
    expect(fromRsyslog(blockedFields.matched_location!)).toBe(INJECTION);
    expect(blockedFields).toMatchObject({ block_reason: 'SQL_INJECTION_ATTEMPT', threat_score: '85' });

    const activity = parsed.find((p) => p.msgid === 'activity')!.sd['keymanager@32473']!;
    expect(activity).toMatchObject({ action_type: 'PRODUCT_CREATED', result: 'success' });
    const shownActivity = (
      await t.request({ method: 'GET', url: '/api/v1/logs/activity?action_type=PRODUCT_CREATED&limit=1' })
    ).json().data[0];
    expect(JSON.stringify(shownActivity.details)).toContain(JSON.stringify(INJECTION));
    expect(JSON.parse(fromRsyslog(activity.details!))).toEqual(shownActivity.details);
    // The forged header and element stayed inside their values.
    expect(parsed.some((p) => 'fake@1' in p.sd)).toBe(false);
  });

  it('delivers CEF events over TLS whose header and extension survive injection attempts', async () => {
    const sink = await t.request({
      method: 'POST',
      url: '/api/v1/log-sinks',
      payload: { type: 'syslog', url: `tls://127.0.0.1:${secure.port}`, logs: ['blocked'], format: 'cef' },
    });
    expect(sink.statusCode, sink.body).toBe(201);
    const ids = await hostileEntries();
    await testDeliveryJob(t).runOnce();
    const lines = await secure.waitFor(1);
    expect(lines.length).toBe(1);
    const header = HEADER.exec(lines[0]!)!;
    expect(header[4]).toBe('blocked');
    const event = lines[0]!.slice(header[0].length).replace(/^- /, '');
    const cef = parseCef(event);
    expect(cef.header).toEqual([
      'CEF:0',
      'KeyManager',
      'KeyManager',
      '1',
      'SQL_INJECTION_ATTEMPT',
      expect.stringContaining('blocked GET'),
      '9',
    ]);
    expect(cef.extension).toMatchObject({
      externalId: ids.blocked,
      cat: 'blocked',
      reason: 'SQL_INJECTION_ATTEMPT',
      requestClientApplication: INJECTION,
      cn2: '85',
      cn2Label: 'threat_score',
    });
    expect(Number(cef.extension.rt)).toBe(Date.parse((await shownEntry('blocked', ids.blocked)).timestamp));
    expect(cef.extension.admin).toBeUndefined();
  });

  it("records a certificate it does not trust as the sink's last error, without the address", async () => {
    // A TLS server whose certificate no configured authority signed.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-cert-'));
    const untrusted = selfSignedCertificate(otherDir);
    const server = tls.createServer({
      cert: fs.readFileSync(untrusted.cert),
      key: fs.readFileSync(untrusted.key),
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const sink = (
        await t.request({
          method: 'POST',
          url: '/api/v1/log-sinks',
          payload: { type: 'syslog', url: `tls://127.0.0.1:${port}`, logs: ['blocked'] },
        })
      ).json();
      await hostileEntries();
      await testDeliveryJob(t).runOnce();
      const health = (await t.services.logSinks.service.get(sink.id)).health;
      expect(health.state).toBe('retrying');
      expect(health.last_error).toMatch(
        /^TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/,
      );
      expect(health.last_error).not.toContain(String(port));
      expect(health.lag_entries).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
