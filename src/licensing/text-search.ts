import { Type, type Static } from '@sinclair/typebox';
import { sql, type Expression, type SqlBool } from 'kysely';
import { columnText, containsPattern, matchesPattern } from '../db/contains-text.js';
import { PaginationQuery } from '../http/pagination.js';

/** A list's page plus `q`: text its rows contain (which columns is the list's to say). */
export const searchablePageQuery = (description: string) =>
  Type.Composite(
    [
      PaginationQuery,
      Type.Object({ q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description })) }),
    ],
    {
      additionalProperties: false,
    },
  );
export type SearchablePageQuery = Static<ReturnType<typeof searchablePageQuery>>;

/** Any of `columns` contains `text`, ignoring case, as one parameterised condition. */
export function containsText(columns: readonly string[], text: string): Expression<SqlBool> {
  const pattern = containsPattern(text);
  return sql<SqlBool>`(${sql.join(
    columns.map((column) => matchesPattern(columnText(column), pattern)),
    sql` or `,
  )})`;
}
