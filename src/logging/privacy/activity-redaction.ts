import type { Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import { parseJson, toJson } from '../../db/json.js';
import type { ActivityLogTable } from '../../db/schema.js';
import { aboutAPerson, activityPrivateValues } from '../integrity/chain.js';
import { reduceUserAgent, truncateIp } from '../integrity/redaction.js';
import { ipBytes } from '../ip-filter.js';
import { commitmentToStore, type DaySalts } from './redacted-forms.js';

export type StoredActivityRow = Selectable<ActivityLogTable>;

/** The row as the chain saw it when it was written. */
function chainFields(row: StoredActivityRow) {
  return { ...row, details: parseJson<unknown>(row.details) };
}

/** The network of a truncated address as the activity log's filter bytes, so a /24 search still finds it. */
export function truncatedIpBytes(truncated: string | null): Buffer | null {
  return truncated === null ? null : ipBytes(truncated.split('/')[0]);
}

/** Address truncated and user agent reduced; who acted and on what stay. */
export async function ageOutActivityRow(
  tx: Executor,
  salts: DaySalts,
  row: StoredActivityRow,
): Promise<void> {
  const commitment = await commitmentToStore(salts, 'activity', row, () =>
    activityPrivateValues(chainFields(row)),
  );
  const ip = truncateIp(row.ip);
  await tx
    .updateTable('activity_log')
    .set({
      ip,
      ip_bytes: truncatedIpBytes(ip),
      user_agent: reduceUserAgent(row.user_agent),
      private_commitment: commitment,
    })
    .where('id', '=', row.id)
    .execute();
}

/**
 * An erased admin's entries: their name, session, address and user agent, and on entries about their
 * account its label and details, give way to a pseudonym. The actor and resource ids stay: they name
 * nobody once the account is gone, and the chain binds them.
 */
export async function pseudonymizeActivityRow(
  tx: Executor,
  salts: DaySalts,
  row: StoredActivityRow,
  adminId: string,
  pseudonym: string,
): Promise<void> {
  const commitment = await commitmentToStore(salts, 'activity', row, () =>
    activityPrivateValues(chainFields(row)),
  );
  const byTheAdmin = row.actor_id === adminId || row.actor_id === null;
  const ip = truncateIp(row.ip);
  await tx
    .updateTable('activity_log')
    .set({
      ...(byTheAdmin && {
        admin_user: pseudonym,
        session_id: null,
        ip,
        ip_bytes: truncatedIpBytes(ip),
        user_agent: reduceUserAgent(row.user_agent),
      }),
      ...(aboutAPerson(row) && {
        resource: `${row.resource_type === 'session' ? 'Session' : 'Admin'} of ${pseudonym}`,
        details: toJson({ erased: true }),
      }),
      private_commitment: commitment,
    })
    .where('id', '=', row.id)
    .execute();
}
