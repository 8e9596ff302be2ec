import { Type } from '@sinclair/typebox';
import { parseJson, toJson } from '../db/json.js';
import { fieldChanges } from '../logging/activity-diff.js';
import type { Audited } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';

/** Sign-in settings an owner sets (`GET/PUT /api/v1/settings/access`). */
export interface AccessSettings {
  /** Every admin must sign in with two factors; one without an authenticator is sent to enrolment. */
  require_mfa_for_admins: boolean;
}

export const DEFAULT_ACCESS_SETTINGS: AccessSettings = { require_mfa_for_admins: false };

export const AccessSettingsSchema = Type.Object(
  { require_mfa_for_admins: Type.Boolean() },
  { additionalProperties: false },
);

export const AccessSettingsPatch = Type.Partial(AccessSettingsSchema, { additionalProperties: false });

const ACCESS = 'access';

/**
 * Held in memory like the logging settings, since every authenticated request consults them; loaded at
 * start-up and replaced after each change.
 */
export function createAccessSettingsService({ db, clock }: CoreDeps) {
  let current: AccessSettings = { ...DEFAULT_ACCESS_SETTINGS };

  async function stored(tx = db): Promise<AccessSettings> {
    const row = await tx.selectFrom('settings').select('value').where('id', '=', ACCESS).executeTakeFirst();
    const value = row ? parseJson<Partial<AccessSettings>>(row.value) : {};
    return { ...DEFAULT_ACCESS_SETTINGS, ...value };
  }

  return {
    async load(): Promise<AccessSettings> {
      current = await stored();
      return current;
    },

    get: (): AccessSettings => ({ ...current }),

    async update(
      patch: Partial<AccessSettings>,
      audited: Audited,
      by: string | null,
    ): Promise<AccessSettings> {
      const next = await audited(async (tx, entry) => {
        const before = await stored(tx);
        const after = { ...before, ...patch };
        const row = { value: toJson(after), updated_at: clock.now().toISOString(), updated_by: by };
        await tx
          .insertInto('settings')
          .values({ id: ACCESS, ...row })
          .onConflict((oc) => oc.column('id').doUpdateSet(row))
          .execute();
        entry.note({
          resource_id: ACCESS,
          resource: 'Access settings',
          details: { changes: fieldChanges(before, after) },
        });
        return after;
      });
      current = next;
      return { ...next };
    },
  };
}

export type AccessSettingsService = ReturnType<typeof createAccessSettingsService>;
