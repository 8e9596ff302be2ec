import { ensureOwner } from './access/first-owner.js';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { createServices } from './services.js';

/** The process: build services and app, listen, and shut down gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const services = await createServices(config);
  await ensureOwner(services.admins, config.initialAdmin, undefined, services.activity);
  const app = await buildApp(services);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}
