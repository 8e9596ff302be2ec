import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { AdminRecord } from '../../src/access/admin.repository.js';
import type { Role } from '../../src/db/schema.js';
import type { TestContext } from './app.js';

export const PASSWORD = 'correct horse battery staple';

export interface TestSession {
  admin: AdminRecord;
  cookie: string;
  csrf: string;
  /** app.inject through the session cookie (no API key), with its CSRF token unless overridden. */
  request(options: InjectOptions & { csrf?: string | null }): Promise<LightMyRequestResponse>;
}

let counter = 0;

export async function createAdmin(t: TestContext, role: Role, email?: string): Promise<AdminRecord> {
  counter += 1;
  return t.services.admins.create(
    { email: email ?? `${role}${counter}@example.test`, password: PASSWORD, role },
    null,
  );
}

export function login(
  t: TestContext,
  email: string,
  password: string,
  ip = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress: ip,
  });
}

export function sessionFrom(response: LightMyRequestResponse, t: TestContext): TestSession {
  const cookie = response.cookies.find((c) => c.name === 'km_session')?.value;
  const body = response.json() as { admin: AdminRecord; csrf_token: string };
  if (!cookie) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return {
    admin: body.admin,
    cookie,
    csrf: body.csrf_token,
    request: ({ csrf, headers, ...options }) => {
      const token = csrf === null ? {} : { 'x-csrf-token': csrf ?? body.csrf_token };
      return t.app.inject({ ...options, cookies: { km_session: cookie }, headers: { ...token, ...headers } });
    },
  };
}

/** An admin of `role` signed in through the portal login. */
export async function signIn(t: TestContext, role: Role, ip?: string): Promise<TestSession> {
  const admin = await createAdmin(t, role);
  return sessionFrom(await login(t, admin.email, PASSWORD, ip), t);
}

/** An admin-scope API key acting with `role`. */
export async function keyWithRole(t: TestContext, role: Role): Promise<string> {
  return (await t.services.apiKeys.create({ name: `${role} key`, scope: 'admin', role })).secret;
}
