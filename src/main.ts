import { ensureOwner } from './access/first-owner.js';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { createServices, type Services } from './services.js';

export interface ServeOptions {
  /**
   * The scheduled jobs (rollups, checkpoints, retention, alerts, webhooks, log sinks). Every process
   * sharing a database may run them (each takes a lease, a lock or a claim per interval), but workers of
   * one `serve --workers` run them in worker 1 only, so that N workers do not poll N times.
   */
  jobs?: boolean;
  /** Creates the first owner when no admin exists; the primary of `--workers` has done it already. */
  firstOwner?: boolean;
  /**
   * A worker of `serve --workers`: it also stops gracefully when the primary asks (STOP_MESSAGE) or is
   * gone. The primary asks by message rather than by signal, because a SIGTERM sent to the whole group
   * (systemd, a terminal's Ctrl-C) already reaches the worker, and a second one would kill it unflushed.
   */
  clusterWorker?: boolean;
}

export const STOP_MESSAGE = 'keymanager:stop';

/** The process: build services and app, listen, and shut down gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config, options: ServeOptions = {}): Promise<void> {
  const services = await createServices(config);
  if (options.firstOwner !== false) {
    await ensureOwner(services.admins, config.initialAdmin, undefined, services.activity);
  }
  const app = await buildApp(services);
  // Replays, before any request, what a previous run left in the log journal.
  services.requestLogs.pipeline.start();
  if (options.jobs !== false) startJobs(services);
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
    // pino writes stdout synchronously; a destination given by a test may buffer.
    (services.core.logger as { flush?: () => void }).flush?.();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  if (options.clusterWorker) {
    process.on('message', (message) => {
      if (message === STOP_MESSAGE) void shutdown('stop requested by the primary');
    });
    process.once('disconnect', () => void shutdown('primary gone'));
  }
  await app.listen({ host: config.host, port: config.port });
}

function startJobs(services: Services): void {
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
}
