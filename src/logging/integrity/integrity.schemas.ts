import { Type, type Static } from '@sinclair/typebox';
import { PaginationQuery, pageOf } from '../../http/pagination.js';
import { OneOf } from '../log.schemas.js';
import { CHAINED_LOGS } from './chain.js';

const Hex = (description: string) => Type.String({ pattern: '^[0-9a-f]+$', description });

export const CheckpointListQuery = Type.Object(
  {
    ...PaginationQuery.properties,
    log: Type.Optional(OneOf(CHAINED_LOGS, 'One log; all four by default.')),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Checkpoints ending at or after.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Checkpoints ending at or before.' })),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('ndjson')], {
        description: '`json` (default): one page. `ndjson`: every matching checkpoint, streamed as a file.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CheckpointListQuery = Static<typeof CheckpointListQuery>;

export const CheckpointEntry = Type.Object({
  log: Type.String(),
  number: Type.Integer(),
  count: Type.Integer(),
  head: Hex('SHA-256 chain head after `count` entries'),
  retained_from: Type.Integer(),
  retained_after: Hex('The chain head just before `retained_from`'),
  end: Type.String({ description: 'Every entry committed before this instant is covered' }),
  previous: Type.Union([Hex('Signature of the previous checkpoint'), Type.Null()]),
  key: Type.String({
    description: 'Key id: first 16 hex characters of SHA-256 of the public key (SPKI DER)',
  }),
  signature: Hex('Ed25519 signature of the checkpoint text'),
});

export const CheckpointPage = pageOf(CheckpointEntry);
