import { Type, type Static } from '@sinclair/typebox';
import { BLOCK_REASONS, CHANNELS, METHOD_CODES } from './log-entry.js';
import { LogQuery, OneOf, Text } from './log.schemas.js';

// The filters of the API-call, failed-call and blocked-request logs. Each one is answered as ADR 0007
// describes; the command line's `logs` options are derived from these schemas too.

const Id = (prefix: string, description: string) =>
  Type.Optional(Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, description }));

const ip = Text(64, 'An address (`203.0.113.7`, `2001:db8::1`) or a CIDR range (`203.0.113.0/24`).');
const method = Type.Optional(OneOf(METHOD_CODES));

const apiCallFilters = {
  endpoint: Text(200, 'The route pattern, exactly (`/api/v1/licenses/validate`, `/api/v1/licenses/:id`).'),
  method,
  status: Type.Optional(
    Type.String({
      pattern: '^[1-5]([0-9][0-9]|xx)$',
      description: 'A status code (`404`) or a class (`4xx`, `5xx`).',
    }),
  ),
  customer_id: Id(
    'cus',
    "Calls that presented a key of one of the customer's licences (as `license_key` does, for each).",
  ),
  license_id: Id('lic', "Calls that presented the licence's key (as `license_key` does)."),
  license_key: Type.Optional(
    Type.String({
      minLength: 8,
      maxLength: 128,
      description:
        'A full licence key: calls that presented it, whatever their outcome. Matched by its keyed hash; ' +
        'the key is kept nowhere, not even in the activity entry of the search.',
    }),
  ),
  product_id: Id('prd', 'Calls about a licence of the product (successful licence calls name it).'),
  api_key_id: Id('key', 'Calls made with the API key (`key_…`).'),
  ip,
  channel: Type.Optional(OneOf(CHANNELS, '`api` (API keys), `portal` (admin sessions) or `cli`.')),
  q: Text(
    200,
    'Free text, case-insensitive, searched in `endpoint`, `path`, `user_agent`, `error_code` and `error_message`.',
  ),
};

export const ApiCallLogQuery = Type.Object(
  { ...LogQuery.properties, ...apiCallFilters },
  { additionalProperties: false },
);
export type ApiCallLogQuery = Static<typeof ApiCallLogQuery>;

export const FailedApiCallLogQuery = Type.Object(
  {
    ...LogQuery.properties,
    ...apiCallFilters,
    error_code: Type.Optional(
      Type.String({
        pattern: '^ERR_[A-Z0-9_]{1,60}$',
        description: 'An error code (`ERR_LICENSE_EXPIRED`).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FailedApiCallLogQuery = Static<typeof FailedApiCallLogQuery>;

export const BlockedLogQuery = Type.Object(
  {
    ...LogQuery.properties,
    block_reason: Type.Optional(OneOf(BLOCK_REASONS)),
    rule_id: Text(
      100,
      'The rule that blocked the request (a rule id, or a built-in rule such as `PROTOCOL_BAD_URL`).',
    ),
    ip,
    country: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{2}$',
        description: 'ISO 3166 alpha-2 country code (`country_code`).',
      }),
    ),
    method,
    min_threat_score: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: 'Entries with at least this threat score.' }),
    ),
    q: Text(
      200,
      'Free text, case-insensitive, searched in `path`, `user_agent`, `rule_id`, `matched_location` and `fingerprint`.',
    ),
  },
  { additionalProperties: false },
);
export type BlockedLogQuery = Static<typeof BlockedLogQuery>;

/** The per-customer and per-licence histories: the API-call filters, less the one the path gives. */
export const CustomerApiCallQuery = Type.Omit(ApiCallLogQuery, ['customer_id'], {
  additionalProperties: false,
});
export const LicenseApiCallQuery = Type.Omit(ApiCallLogQuery, ['license_id', 'license_key'], {
  additionalProperties: false,
});
