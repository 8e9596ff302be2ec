/**
 * The one catalogue of error codes and their HTTP status. Every code here must be documented in
 * docs/errors.md (a test checks it).
 */
export const ERROR_CATALOGUE = {
  ERR_MALFORMED_REQUEST: { status: 400, message: 'The request could not be parsed.' },
  ERR_VALIDATION: { status: 422, message: 'The request has invalid fields.' },
  ERR_IMPORT_INVALID: { status: 422, message: 'The import has invalid rows; nothing was imported.' },
  ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  ERR_INVALID_API_KEY: { status: 401, message: 'The API key is not valid.' },
  ERR_API_KEY_EXPIRED: { status: 401, message: 'The API key has expired.' },
  ERR_API_KEY_REVOKED: { status: 401, message: 'The API key has been revoked.' },
  ERR_INVALID_CREDENTIALS: { status: 401, message: 'The email or password is not correct.' },
  ERR_SESSION_EXPIRED: { status: 401, message: 'The session has expired; sign in again.' },
  ERR_MFA_PENDING: {
    status: 401,
    message: 'The sign-in is not finished: enter the code from your authenticator app.',
  },
  ERR_MFA_CODE_INVALID: { status: 401, message: 'The authentication code is not correct.' },
  ERR_MFA_ENROLMENT_REQUIRED: {
    status: 403,
    message: 'Two-factor authentication is required for every admin: set it up to continue.',
  },
  ERR_MFA_REQUIRED: {
    status: 403,
    message: 'Reading logs requires a session signed in with two-factor authentication.',
  },
  ERR_INSUFFICIENT_SCOPE: { status: 403, message: 'The credentials do not allow this action.' },
  ERR_CSRF_INVALID: { status: 403, message: 'The CSRF token is missing or does not match the session.' },
  ERR_FORBIDDEN: { status: 403, message: 'The request was refused.' },
  ERR_NOT_FOUND: { status: 404, message: 'The resource does not exist.' },
  ERR_CONFLICT: { status: 409, message: 'The resource conflicts with an existing one.' },
  ERR_ALERT_RULE_BUILTIN: {
    status: 409,
    message: 'A built-in alert rule cannot be deleted; disable it instead.',
  },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ERR_TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many failed attempts; try again later.' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; try again later.' },
  ERR_LICENSE_NOT_FOUND: { status: 404, message: 'The licence does not exist.' },
  ERR_LICENSE_REVOKED: { status: 403, message: 'The licence has been revoked.' },
  ERR_LICENSE_SUSPENDED: { status: 403, message: 'The licence is suspended.' },
  ERR_LICENSE_EXPIRED: { status: 403, message: 'The licence has expired.' },
  ERR_ACTIVATION_LIMIT: { status: 403, message: 'The licence has no free activation seat.' },
  ERR_MACHINE_NOT_ACTIVATED: { status: 403, message: 'This machine is not activated for the licence.' },
  ERR_ACTIVATION_NOT_FOUND: { status: 404, message: 'The activation does not exist.' },
  ERR_NOT_READY: { status: 503, message: 'The service is not ready.' },
  ERR_INTERNAL: { status: 500, message: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export function notFound(resource: string): AppError {
  return new AppError('ERR_NOT_FOUND', `${resource} not found.`);
}

export function validationError(fields: FieldError[]): AppError {
  return new AppError('ERR_VALIDATION', ERROR_CATALOGUE.ERR_VALIDATION.message, fields);
}
