/** The one way the portal talks to the server: the public API, the session cookie and the CSRF token. */

export const API_BASE = '/api/v1';
const CSRF_COOKIE = 'km_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface FieldError {
  field: string;
  message: string;
}

/** The API's error envelope, thrown for every non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }

  get fieldErrors(): FieldError[] {
    return Array.isArray(this.details)
      ? this.details.filter((d): d is FieldError => typeof d?.field === 'string')
      : [];
  }
}

/** Raised on any 401 of a signed-in session: the layout sends the admin back to the sign-in page. */
export const SESSION_ENDED_EVENT = 'km:session-ended';

function csrfToken(): string | null {
  const match = document.cookie.split('; ').find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : null;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** Drops empty values, so a cleared filter is absent from the query rather than sent empty. */
export function toSearchParams(query: Query = {}): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  return params;
}

export function apiUrl(path: string, query?: Query): string {
  const qs = toSearchParams(query).toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw body (CSV import) with its content type. */
  raw?: { body: string; contentType: string };
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.body;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (!SAFE_METHODS.has(method)) {
    const token = csrfToken();
    if (token) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'ERR_NETWORK', 'The server cannot be reached. Check your connection and retry.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json: unknown = text ? safeParse(text) : null;
  if (!response.ok) {
    const envelope = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)
      ?.error;
    const error = new ApiError(
      response.status,
      envelope?.code ?? 'ERR_HTTP',
      envelope?.message ?? `The server answered ${response.status}.`,
      envelope?.details ?? null,
    );
    // A wrong password or code at sign-in is an answer to that form, not the end of a session.
    if (response.status === 401 && path !== '/auth/login' && path !== '/auth/mfa/verify') {
      window.dispatchEvent(new CustomEvent(SESSION_ENDED_EVENT, { detail: error.code }));
    }
    throw error;
  }
  return json as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
};
