import { Option, type Command } from 'commander';
import type { AdminRecord } from '../access/admin.repository.js';
import { ROLES } from '../access/permissions.js';
import type { Config } from '../config/config.js';
import type { Role } from '../db/schema.js';
import { systemContext } from '../logging/activity.service.js';
import { cliServices, describeError, stdout, type CliOutput } from './output.js';

export interface CreateAdminOptions {
  email: string;
  password: string;
  role: Role;
  name?: string;
}

/** `admin create`: the operator's way in, so it may grant any role (there is no granter above it). */
export async function createAdminAction(
  config: Config,
  options: CreateAdminOptions,
  io: CliOutput = stdout,
): Promise<AdminRecord> {
  const services = await cliServices(config);
  try {
    const input = {
      email: options.email,
      password: options.password,
      role: options.role,
      name: options.name ?? null,
    };
    const admin = await services.activity.record(
      systemContext('cli'),
      { action_type: 'ADMIN_CREATED', resource_type: 'admin' },
      (tx, entry) => services.admins.create(input, null, tx, entry),
    );
    io.out(`admin created: ${admin.id} ${admin.email} (${admin.role})`);
    return admin;
  } catch (error) {
    throw describeError(error);
  } finally {
    await services.close();
  }
}

export function registerAdminCommand(program: Command, config: () => Config, io: CliOutput = stdout): void {
  const admin = program.command('admin').description('manage admin accounts');
  admin
    .command('create')
    .description('create an admin account')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password <password>', 'at least 12 characters')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('admin'))
    .option('--name <name>', 'display name')
    .action(async (options: CreateAdminOptions) => {
      await createAdminAction(config(), options, io);
    });
}
