import type { Db, Executor } from '../db/database.js';
import type { EmailTemplateVersionTable } from '../db/schema.js';

export function createEmailTemplateRepository(db: Db) {
  return {
    latest(kind: string, tx: Executor = db): Promise<EmailTemplateVersionTable | undefined> {
      return tx
        .selectFrom('email_template_versions')
        .selectAll()
        .where('kind', '=', kind)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** The latest version of every kind that has one. */
    async latestOfAll(): Promise<EmailTemplateVersionTable[]> {
      return db
        .selectFrom('email_template_versions as v')
        .selectAll('v')
        .where(({ eb, selectFrom }) =>
          eb(
            'v.version',
            '=',
            selectFrom('email_template_versions as w')
              .select(({ fn }) => fn.max('w.version').as('max'))
              .whereRef('w.kind', '=', 'v.kind'),
          ),
        )
        .execute();
    },

    versions(kind: string, limit: number, beforeId?: string): Promise<EmailTemplateVersionTable[]> {
      let q = db
        .selectFrom('email_template_versions')
        .selectAll()
        .where('kind', '=', kind)
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) q = q.where('id', '<', beforeId);
      return q.execute();
    },

    async insert(row: EmailTemplateVersionTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('email_template_versions').values(row).execute();
    },
  };
}
