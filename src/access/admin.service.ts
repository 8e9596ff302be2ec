import type { Role } from '../db/schema.js';
import { isUniqueViolation, type Executor } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { AppError, notFound, validationError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { createAdminRepository, type AdminRecord } from './admin.repository.js';
import { checkPasswordStrength, hashPassword, verifyPassword } from './password.js';
import { canGrant } from './permissions.js';

export interface NewAdmin {
  email: string;
  password: string;
  role: Role;
  name?: string | null;
}

export interface AdminPatch {
  role?: Role;
  name?: string | null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The role an action is taken with; null means the operator's command line, which may grant any role. */
export type GranterRole = Role | null;

function assertCanGrant(granter: GranterRole, role: Role): void {
  if (granter !== null && !canGrant(granter, role)) {
    throw new AppError('ERR_INSUFFICIENT_SCOPE', `Your role may not manage the role "${role}".`);
  }
}

const label = (admin: { id: string; email: string }) => `Admin ${admin.id} (${admin.email})`;

const lastOwner = () => new AppError('ERR_CONFLICT', 'The last owner can be neither demoted nor deleted.');

export function createAdminService({ db, database, clock, ids }: CoreDeps) {
  const repository = createAdminRepository(db, database.dialect);

  async function load(id: string, tx: Executor = db): Promise<AdminRecord> {
    const admin = await repository.findById(id, tx);
    if (!admin) throw notFound('Admin');
    return admin;
  }

  return {
    repository,

    async create(
      input: NewAdmin,
      granter: GranterRole,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<AdminRecord> {
      assertCanGrant(granter, input.role);
      checkPasswordStrength(input.password);
      const email = normalizeEmail(input.email);
      if (!email.includes('@'))
        throw validationError([{ field: 'email', message: 'must be an email address' }]);
      const now = clock.now().toISOString();
      const row = {
        id: ids.next('adm'),
        email,
        name: input.name ?? null,
        role: input.role,
        password_hash: await hashPassword(input.password),
        created_at: now,
        updated_at: now,
        last_login_at: null,
      };
      try {
        await repository.insert(row, tx);
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('ERR_CONFLICT', 'An admin with this email exists.');
        throw error;
      }
      const { password_hash: _hash, ...admin } = row;
      entry.note({
        resource_id: admin.id,
        resource: label(admin),
        details: { changes: fieldChanges({}, admin, ['email', 'name', 'role']) },
      });
      return admin;
    },

    async list(limit: number, beforeId?: string): Promise<Page<AdminRecord>> {
      return toPage(await repository.list(limit + 1, beforeId), limit);
    },

    get: load,

    async count(): Promise<number> {
      return repository.count();
    },

    /** A granter may touch only admins whose role it could grant, and only give roles it holds. */
    async update(
      id: string,
      patch: AdminPatch,
      granter: GranterRole,
      outer: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<AdminRecord> {
      return inTransaction(outer, async (tx) => {
        const admin = await load(id, tx);
        assertCanGrant(granter, admin.role);
        if (patch.role !== undefined) assertCanGrant(granter, patch.role);
        if (admin.role === 'owner' && patch.role !== undefined && patch.role !== 'owner') {
          if ((await repository.countOwnersLocked(tx)) <= 1) throw lastOwner();
        }
        await repository.update(
          id,
          {
            ...(patch.role !== undefined ? { role: patch.role } : {}),
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            updated_at: clock.now().toISOString(),
          },
          tx,
        );
        const after = await load(id, tx);
        entry.note({
          resource: label(after),
          details: { changes: fieldChanges(admin, after, ['name', 'role']) },
        });
        return after;
      });
    },

    async delete(
      id: string,
      granter: GranterRole,
      outer: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<AdminRecord> {
      return inTransaction(outer, async (tx) => {
        const admin = await load(id, tx);
        entry.note({
          resource: label(admin),
          details: { deleted: { email: admin.email, role: admin.role } },
        });
        assertCanGrant(granter, admin.role);
        if (admin.role === 'owner' && (await repository.countOwnersLocked(tx)) <= 1) throw lastOwner();
        await repository.delete(id, tx);
        return admin;
      });
    },

    async verifyPassword(id: string, password: string): Promise<boolean> {
      const hash = await repository.findPasswordHash(id);
      return hash !== undefined && verifyPassword(hash, password);
    },

    async setPassword(id: string, password: string, field = 'password', tx: Executor = db): Promise<void> {
      checkPasswordStrength(password, field);
      const hash = await hashPassword(password);
      await repository.update(id, { password_hash: hash, updated_at: clock.now().toISOString() }, tx);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
