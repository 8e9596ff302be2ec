import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedCall } from './analytics-seed.js';
import type { TestContext } from './app.js';

export interface AlertRuleView {
  id: string;
  builtin: string | null;
  name: string;
  severity: string;
  enabled: boolean;
  condition: Record<string, unknown>;
  cooldown_minutes: number;
  notify: { emails: string[]; webhook_url: string | null; webhook_secret_set: boolean };
}

export interface AlertView {
  id: string;
  rule_id: string;
  rule_name: string;
  group: string | null;
  severity: string;
  state: 'firing' | 'resolved';
  started_at: string;
  resolved_at: string | null;
  value: number;
  threshold: number;
  summary: string;
  details: Record<string, unknown>;
  notifications?: {
    event: string;
    channel: string;
    target: string;
    status: string;
    attempts: number;
    response_status: number | null;
    error: string | null;
  }[];
}

/** The rule list through the API, by built-in key. */
export async function builtinRules(t: TestContext): Promise<Record<string, AlertRuleView>> {
  const response = await t.request({ method: 'GET', url: '/api/v1/alerts/rules?limit=200' });
  if (response.statusCode !== 200) throw new Error(response.body);
  const rules = response.json<{ data: AlertRuleView[] }>().data;
  return Object.fromEntries(rules.filter((r) => r.builtin).map((r) => [r.builtin!, r]));
}

export async function listAlerts(t: TestContext, query = ''): Promise<AlertView[]> {
  const response = await t.request({ method: 'GET', url: `/api/v1/alerts?limit=200${query}` });
  if (response.statusCode !== 200) throw new Error(response.body);
  return response.json<{ data: AlertView[] }>().data;
}

/** Moves the server's clock to `at` and runs one evaluation there, as the job would. */
export async function evaluateAt(t: TestContext, at: string | Date) {
  t.clock.set(at);
  return t.services.alerts.job.runOnce();
}

/** `perMinute` entries spread evenly over each minute of [from, to). */
export function spread<T = SeedCall>(
  from: string,
  to: string,
  perMinute: number,
  make: (at: string, i: number) => T,
): T[] {
  const out: T[] = [];
  const start = Date.parse(from);
  const end = Date.parse(to);
  const step = 60_000 / perMinute;
  let i = 0;
  for (let ms = start; ms < end; ms += step) out.push(make(new Date(Math.floor(ms)).toISOString(), i++));
  return out;
}

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server receiving webhook notifications; `answers` lists the statuses to give in turn (then 200). */
export async function startHookReceiver(answers: number[] = []) {
  const received: ReceivedHook[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answers.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
