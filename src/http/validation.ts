import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from './errors.js';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  // removeAdditional stays off: an unknown field is a 422 naming it, never silently dropped.
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    coerceTypes,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

// Bodies are JSON and must carry the right types; query strings and params are text and need coercion.
const bodyAjv = makeAjv(false);
const textAjv = makeAjv('array');

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  return parts.length ? parts.join('.') : '(root)';
}

/** One entry per field, in a wording an API user can act on. */
export function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const out = new Map<string, string>();
  for (const error of errors) {
    let field: string;
    let message: string;
    if (error.keyword === 'required') {
      field = fieldName(error.instancePath, String(error.params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      field = fieldName(error.instancePath, String(error.params.additionalProperty));
      message = 'is not an allowed field';
    } else {
      field = fieldName(error.instancePath);
      message = error.message ?? 'is invalid';
    }
    if (!out.has(field)) out.set(field, message);
  }
  return [...out].map(([field, message]) => ({ field, message }));
}
