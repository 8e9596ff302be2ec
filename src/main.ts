import { ensureOwner } from './access/first-owner.js';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { createServices } from './services.js';

/** The process: build services and app, listen, and shut down gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const services = await createServices(config);
  await ensureOwner(services.admins, config.initialAdmin, undefined, services.activity);
  const app = await buildApp(services);
  // Replays, before any request, what a previous run left in the log journal.
  services.requestLogs.pipeline.start();
  // Folds new entries into the analytics rollups every few seconds, off the request path.
  services.analytics.job.start();
  // Signs each log's checkpoint every interval, also when nothing was logged.
  services.integrity?.job.start();
  // Deletes what the logging settings no longer retain, every KM_RETENTION_INTERVAL_SECONDS.
  services.retention.job.start();
  // Evaluates the alert rules every KM_ALERT_EVAL_SECONDS; one process per interval does.
  services.alerts.job.start();
  // Sends webhook deliveries and licence emails from the outbox, and scans for expiring licences.
  services.webhooks.job.start();
  // Forwards new entries to the log sinks (SIEMs), each from its persisted cursor.
  services.logSinks.job.start();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // In-flight requests finish first (their entries are journaled), then the log pipeline writes
    // everything to the store before the connection closes.
    // Connections busy when closing began go idle once answered; close them as they do rather than
    // after the keep-alive timeout, and give up on clients that never let go after 10 s.
    setInterval(() => app.server.closeIdleConnections(), 100).unref();
    setTimeout(() => app.server.closeAllConnections(), 10_000).unref();
    await app.close();
    app.log.info('http server closed; flushing logs');
    await services.close();
    app.log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}
