import { Gauge, type Registry } from 'prom-client';
import { SINK_STATES } from './sink-types.js';
import type { LogSink } from './sink.schemas.js';

/**
 * Sink health in `/metrics`, read from the store when scraped: the figures are the sinks' own (shared
 * by every process), not this process's share of them.
 */
export function registerSinkMetrics(registry: Registry, allSinks: () => Promise<LogSink[]>): void {
  const labelNames = ['sink', 'type'] as const;
  let snapshot: Promise<LogSink[]> | null = null;
  // One read of the sinks per scrape, shared by the gauges below.
  const sinks = () => {
    snapshot ??= allSinks().finally(() => setTimeout(() => (snapshot = null), 0));
    return snapshot;
  };
  const gauge = (name: string, help: string, value: (sink: LogSink) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const sink of await sinks()) this.set({ sink: sink.id, type: sink.type }, value(sink));
      },
    });
  gauge(
    'keymanager_log_sink_lag_entries',
    "Entries of a sink's logs not yet delivered.",
    (s) => s.health.lag_entries,
  );
  gauge(
    'keymanager_log_sink_lag_seconds',
    'Age of the oldest entry a sink has not yet received.',
    (s) => s.health.lag_seconds,
  );
  gauge(
    'keymanager_log_sink_delivered_entries',
    'Entries delivered to a sink since it was created.',
    (s) => s.health.delivered,
  );
  gauge(
    'keymanager_log_sink_retries',
    'Failed deliveries to a sink since it was created (each retried).',
    (s) => s.health.retried,
  );
  gauge(
    'keymanager_log_sink_last_delivery_timestamp_seconds',
    'When a sink last took a batch (0: never).',
    (s) => (s.health.last_delivery_at ? Date.parse(s.health.last_delivery_at) / 1000 : 0),
  );
  new Gauge({
    name: 'keymanager_log_sink_state',
    help: "A sink's delivery state: 1 for the state it is in.",
    labelNames: ['sink', 'type', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const sink of await sinks()) {
        for (const state of SINK_STATES) {
          this.set({ sink: sink.id, type: sink.type, state }, sink.health.state === state ? 1 : 0);
        }
      }
    },
  });
}
