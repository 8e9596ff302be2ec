import { Option, type Command } from 'commander';
import type { ApiKeyRecord } from '../access/api-key.repository.js';
import { ROLES } from '../access/permissions.js';
import type { Config } from '../config/config.js';
import type { Role } from '../db/schema.js';
import { systemContext } from '../logging/activity.service.js';
import { cliServices, describeError, stdout, type CliOutput } from './output.js';

export interface CreateApiKeyOptions {
  name: string;
  admin?: boolean;
  scope?: 'licenses';
  env: 'live' | 'test';
  role?: Role;
}

/** `api-keys create`: prints the key's description, then the secret alone on the last line. */
export async function createApiKeyAction(
  config: Config,
  options: CreateApiKeyOptions,
  io: CliOutput = stdout,
): Promise<{ apiKey: ApiKeyRecord; secret: string }> {
  if (Boolean(options.admin) === Boolean(options.scope)) {
    throw new Error('give exactly one of --admin or --scope licenses');
  }
  if (options.scope && options.role) throw new Error('--role applies to --admin keys only');
  const services = await cliServices(config);
  try {
    const input = {
      name: options.name,
      scope: options.admin ? ('admin' as const) : ('licenses' as const),
      role: options.admin ? (options.role ?? 'admin') : null,
      environment: options.env,
    };
    const created = await services.activity.record(
      systemContext('cli'),
      { action_type: 'API_KEY_CREATED', resource_type: 'api_key' },
      (tx, entry) => services.apiKeys.create(input, tx, entry),
    );
    const { apiKey } = created;
    io.out(
      `api key created: ${apiKey.id} ${apiKey.name} (${apiKey.scope}${apiKey.role ? `, ${apiKey.role}` : ''})`,
    );
    io.out('the secret below is shown only now:');
    io.out(created.secret);
    return created;
  } catch (error) {
    throw describeError(error);
  } finally {
    await services.close();
  }
}

export function registerApiKeysCommand(program: Command, config: () => Config, io: CliOutput = stdout): void {
  const apiKeys = program.command('api-keys').description('manage API keys');
  apiKeys
    .command('create')
    .description('create an API key and print its secret (last line)')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(new Option('--admin', 'an admin-scope key').conflicts('scope'))
    .addOption(new Option('--scope <scope>', 'a licence-scoped key').choices(['licenses']))
    .addOption(new Option('--env <env>', 'environment').choices(['live', 'test']).default('live'))
    .addOption(new Option('--role <role>', 'role of an admin-scope key (default admin)').choices(ROLES))
    .action(async (options: CreateApiKeyOptions) => {
      await createApiKeyAction(config(), options, io);
    });
}
