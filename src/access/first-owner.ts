import type { Config } from '../config/config.js';
import { AppError } from '../http/errors.js';
import { systemContext, type ActivityService } from '../logging/activity.service.js';
import { randomBase62 } from '../shared/random.js';
import type { AdminRecord } from './admin.repository.js';
import type { AdminService } from './admin.service.js';

const DEFAULT_EMAIL = 'admin@localhost';

/**
 * On first start (no admin at all) creates the owner from KM_ADMIN_EMAIL / KM_ADMIN_PASSWORD, or
 * with a generated password printed once to the console: `write` is stdout, never the logger, so the
 * password cannot end up in a log pipeline.
 */
export async function ensureOwner(
  admins: AdminService,
  initial: Config['initialAdmin'],
  write: (line: string) => void = (line) => process.stdout.write(line),
  activity?: ActivityService,
): Promise<AdminRecord | null> {
  if ((await admins.count()) > 0) return null;
  const email = initial.email ?? DEFAULT_EMAIL;
  const generated = initial.password === undefined;
  const password = initial.password ?? randomBase62(24);
  const input = { email, password, role: 'owner' as const, name: 'Owner' };
  let owner: AdminRecord;
  try {
    owner = activity
      ? await activity.record(
          systemContext('startup'),
          { action_type: 'ADMIN_CREATED', resource_type: 'admin' },
          (tx, entry) => admins.create(input, null, tx, entry),
        )
      : await admins.create(input, null);
  } catch (error) {
    // Processes started together on one new database all find no admin; the first one's owner stands.
    if (error instanceof AppError && error.code === 'ERR_CONFLICT' && (await admins.count()) > 0) return null;
    throw error;
  }
  write(
    generated ? `owner created: ${owner.email} / password: ${password}\n` : `owner created: ${owner.email}\n`,
  );
  return owner;
}
