import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from './errors.js';
import { fieldErrors } from './validation.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

// Fastify's own parser errors are protocol violations: the contract answers them as malformed requests.
const MALFORMED_CODES = new Set([
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_BODY_NOT_PARSABLE',
  'FST_ERR_BAD_URL',
  'FST_ERR_ASYNC_CONSTRAINT',
]);

/** Maps anything thrown during a request to one AppError, so every answer has the same shape. */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const e = error as FastifyError;
  if (e.validation) {
    return new AppError(
      'ERR_VALIDATION',
      ERROR_CATALOGUE.ERR_VALIDATION.message,
      fieldErrors(e.validation as never),
    );
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413)
    return new AppError('ERR_PAYLOAD_TOO_LARGE');
  if (
    (e.code && MALFORMED_CODES.has(e.code)) ||
    e instanceof SyntaxError ||
    e.statusCode === 400 ||
    e.statusCode === 415
  ) {
    return new AppError('ERR_MALFORMED_REQUEST');
  }
  return new AppError('ERR_INTERNAL');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError('ERR_NOT_FOUND', 'No such route.')),
  );
}
