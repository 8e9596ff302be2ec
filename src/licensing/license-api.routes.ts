import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../http/errors.js';
import {
  ActivateBody,
  ActivateResponse,
  DeactivateBody,
  DeactivateResponse,
  LicenseSummary,
  StatusBody,
  ValidateBody,
  ValidateResponse,
} from './license-api.schemas.js';
import type { LicenseApiService, Outcome } from './license-api.service.js';

const tags = ['licence API'];
const config = { access: { auth: 'license' } } as const;

/** A failed decision becomes the error envelope with its own code; the status comes from the catalogue. */
function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new AppError(outcome.code);
  return outcome.value;
}

export function licenseApiRoutes(api: LicenseApiService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/licenses/activate',
      { config, schema: { tags, body: ActivateBody, response: { 200: ActivateResponse } } },
      async (request) => {
        const value = unwrap(await api.activate(request.body, request.ip ?? null));
        request.logLicense = value.license;
        return value;
      },
    );

    app.post(
      '/licenses/validate',
      { config, schema: { tags, body: ValidateBody, response: { 200: ValidateResponse } } },
      async (request) => {
        const { license } = unwrap(await api.validate(request.body.license_key, request.body.fingerprint));
        request.logLicense = license;
        return { valid: true as const, code: 'VALID' as const, license };
      },
    );

    app.post(
      '/licenses/deactivate',
      { config, schema: { tags, body: DeactivateBody, response: { 200: DeactivateResponse } } },
      async (request) => {
        const { license } = unwrap(await api.deactivate(request.body.license_key, request.body.fingerprint));
        request.logLicense = license;
        return { deactivated: true as const, license };
      },
    );

    app.post(
      '/licenses/status',
      { config, schema: { tags, body: StatusBody, response: { 200: LicenseSummary } } },
      async (request) => {
        const license = unwrap(await api.status(request.body.license_key));
        request.logLicense = license;
        return license;
      },
    );
  };
}
